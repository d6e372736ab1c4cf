// Trusts the test stack's CA in each test worker, as a runner that trusts its enterprise CA would.
import tls from 'node:tls';
import { inject } from 'vitest';
import type {} from './helpers/stack.js';

const { caPem } = inject('stack');
if (!tls.getCACertificates('default').includes(caPem)) {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), caPem]);
}
