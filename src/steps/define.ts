// defineStep: how a step module declares itself, with a context typed by what the step needs.
import type { StepName } from '../model.js';
import type { Facts, Step, StepDefinition, StepNeeds } from './types.js';

/**
 * The step as the engine holds it. `observe` may take its needs as present because the engine calls it only once it
 * has found every one of them (missingNeed in engine.ts); the narrower context is accepted here on that promise.
 */
export function defineStep<const N extends StepNeeds, const Name extends StepName, const P extends keyof Facts = never>(
  step: StepDefinition<N, P> & { name: Name },
): Step & { name: Name } {
  return step;
}
