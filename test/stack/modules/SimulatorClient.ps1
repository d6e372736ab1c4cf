# Shared by the stand-in ExchangeOnlineManagement and PnP.PowerShell modules: where the simulator is, TLS that trusts
# only the test CA, the app-only token request with a certificate assertion, and JSON calls. Dot-sourced by each module.

$script:Simulator = Get-Content -LiteralPath (Join-Path $PSScriptRoot '..' 'simulator.json') -Raw | ConvertFrom-Json

# The simulator's certificate is verified against the test CA alone (not the system store, and never skipped).
$script:SimulatorHttp = & {
    $ca = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem([string]$script:Simulator.caPem)
    $policy = [System.Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
    $policy.TrustMode = [System.Security.Cryptography.X509Certificates.X509ChainTrustMode]::CustomRootTrust
    $policy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
    [void]$policy.CustomTrustStore.Add($ca)
    $handler = [System.Net.Http.SocketsHttpHandler]::new()
    $handler.SslOptions.CertificateChainPolicy = $policy
    $client = [System.Net.Http.HttpClient]::new($handler)
    # The caller's command timeout decides how long a hung request may take, as with the real modules' own clients.
    $client.Timeout = [System.Threading.Timeout]::InfiniteTimeSpan
    $client
}

if ($script:Simulator.importDelayMs -gt 0) {
    # Models the import time of the real modules (their assemblies are large) for the benchmark.
    Start-Sleep -Milliseconds ([int]$script:Simulator.importDelayMs)
}

function ConvertTo-Base64Url([byte[]]$Bytes) {
    [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
}

function New-StandInError {
    param(
        [string]$Message,
        [string]$ErrorId,
        [System.Management.Automation.ErrorCategory]$Category = [System.Management.Automation.ErrorCategory]::NotSpecified,
        [object]$Target
    )
    [System.Management.Automation.ErrorRecord]::new([System.Exception]::new($Message), $ErrorId, $Category, $Target)
}

function Send-SimulatorRequest {
    param(
        [string]$Method,
        [string]$Path,
        [System.Net.Http.HttpContent]$Content,
        [string]$Token,
        [hashtable]$Headers = @{}
    )
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), [string]$script:Simulator.simulatorUrl + $Path)
    if ($Token) {
        $request.Headers.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $Token)
    }
    foreach ($name in $Headers.Keys) {
        [void]$request.Headers.TryAddWithoutValidation($name, [string]$Headers[$name])
    }
    if ($Content) { $request.Content = $Content }
    try {
        $response = $script:SimulatorHttp.SendAsync($request).GetAwaiter().GetResult()
    } catch {
        $inner = $_.Exception
        while ($inner.InnerException) { $inner = $inner.InnerException }
        throw (New-StandInError -Message "An error occurred while sending the request to $($request.RequestUri.Host): $($inner.Message)" -ErrorId 'HttpRequestException' -Category ConnectionError)
    }
    $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    $retryAfter = 0
    if ($response.Headers.RetryAfter -and $response.Headers.RetryAfter.Delta) {
        $retryAfter = [int]$response.Headers.RetryAfter.Delta.Value.TotalSeconds
    }
    [pscustomobject]@{ Status = [int]$response.StatusCode; Text = $text; RetryAfter = $retryAfter }
}

function Send-SimulatorJson {
    param([string]$Path, [object]$Body, [string]$Token, [hashtable]$Headers = @{})
    $json = ConvertTo-Json -InputObject $Body -Depth 10 -Compress
    # Throttling and transient errors are retried a few times, as the real modules' HTTP clients do.
    for ($attempt = 1; ; $attempt++) {
        $content = [System.Net.Http.StringContent]::new($json, [System.Text.Encoding]::UTF8, 'application/json')
        $response = Send-SimulatorRequest -Method POST -Path $Path -Content $content -Token $Token -Headers $Headers
        if (($response.Status -eq 429 -or $response.Status -eq 503) -and $attempt -le 3) {
            Start-Sleep -Seconds ([Math]::Max(1, [Math]::Min(30, $response.RetryAfter)))
            continue
        }
        return $response
    }
}

function ConvertFrom-SimulatorJson([string]$Text) {
    try { ConvertFrom-Json -InputObject $Text -Depth 20 } catch { $null }
}

function ConvertTo-JwtPart([System.Collections.IDictionary]$Value) {
    ConvertTo-Base64Url ([System.Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $Value -Compress)))
}

# A client assertion as MSAL.NET builds it for certificate credentials: RS256 over the certificate's RSA key.
function New-ClientAssertion {
    param(
        [System.Security.Cryptography.X509Certificates.X509Certificate2]$Certificate,
        [string]$ClientId,
        [string]$Audience
    )
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $header = [ordered]@{ alg = 'RS256'; typ = 'JWT'; x5t = ConvertTo-Base64Url $Certificate.GetCertHash() }
    $claims = [ordered]@{ aud = $Audience; iss = $ClientId; sub = $ClientId; jti = [guid]::NewGuid().ToString(); nbf = $now; exp = $now + 600 }
    $signingInput = (ConvertTo-JwtPart $header) + '.' + (ConvertTo-JwtPart $claims)
    $rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Certificate)
    if (-not $rsa) { throw (New-StandInError -Message 'The certificate has no RSA private key.' -ErrorId 'CertificateWithoutPrivateKey' -Category InvalidArgument) }
    $signature = $rsa.SignData([System.Text.Encoding]::ASCII.GetBytes($signingInput), [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $signingInput + '.' + (ConvertTo-Base64Url $signature)
}

function Get-SimulatorToken {
    param(
        [string]$Tenant,
        [string]$ClientId,
        [System.Security.Cryptography.X509Certificates.X509Certificate2]$Certificate,
        [string]$Scope,
        # The Entra host the real module would send this request to; the simulator refuses it for a tenant of another cloud.
        [string]$LoginHost
    )
    $path = '/' + [Uri]::EscapeDataString($Tenant) + '/oauth2/v2.0/token'
    $headers = if ($LoginHost) { @{ 'x-sim-login-host' = $LoginHost } } else { @{} }
    # MSAL.NET retries a token request once after a server error.
    for ($attempt = 1; ; $attempt++) {
        $form = [System.Collections.Generic.Dictionary[string, string]]::new()
        $form['client_id'] = $ClientId
        $form['scope'] = $Scope
        $form['grant_type'] = 'client_credentials'
        $form['client_assertion_type'] = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
        $form['client_assertion'] = New-ClientAssertion -Certificate $Certificate -ClientId $ClientId -Audience ([string]$script:Simulator.simulatorUrl + $path)
        $response = Send-SimulatorRequest -Method POST -Path $path -Content ([System.Net.Http.FormUrlEncodedContent]::new($form)) -Headers $headers
        if ($response.Status -ge 500 -and $attempt -eq 1) {
            Start-Sleep -Seconds 1
            continue
        }
        break
    }
    $body = ConvertFrom-SimulatorJson $response.Text
    if ($response.Status -ne 200 -or -not $body -or -not $body.access_token) {
        $description = if ($body -and $body.error_description) { [string]$body.error_description } else { "HTTP $($response.Status)" }
        $code = if ($body -and $body.error) { [string]$body.error } else { 'unknown_error' }
        throw (New-StandInError -Message "$($code): $description" -ErrorId 'Microsoft.Identity.Client.MsalServiceException' -Category AuthenticationError)
    }
    [pscustomobject]@{
        AccessToken = [string]$body.access_token
        ExpiresOn   = [DateTimeOffset]::UtcNow.AddSeconds([int]$body.expires_in)
    }
}

# Parameters a stand-in cmdlet sends to the simulator: the bound ones, minus the common parameters.
function Get-CmdletParameters([System.Collections.IDictionary]$Bound) {
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters + @('Connection')
    $parameters = [ordered]@{}
    foreach ($name in $Bound.Keys) {
        if ($common -contains $name) { continue }
        $value = $Bound[$name]
        if ($value -is [System.Management.Automation.SwitchParameter]) { $value = $value.IsPresent }
        $parameters[$name] = $value
    }
    $parameters
}
