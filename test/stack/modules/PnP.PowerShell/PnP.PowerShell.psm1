# Stand-in PnP.PowerShell: the real module's cmdlet signatures (names, types, parameter sets, mandatory flags, from
# the PnP.PowerShell sources) over the simulator's SharePoint admin operations.

. (Join-Path $PSScriptRoot 'SimulatorClient.ps1')

$script:CurrentConnection = $null

# Where Connect-PnPOnline signs in for each -AzureEnvironment: PnP.Framework's
# AuthenticationManager.GetAzureADLoginEndPointStatic (github.com/pnp/pnpframework,
# src/lib/PnP.Framework/AuthenticationManager.cs), which the app-only certificate connect uses. USGovernment signs in
# at the US Government host there, although PnP's "National and sovereign clouds" page
# (pnp.github.io/powershell/articles/nationalclouds.html) and PnP.Core's CloudManager list login.microsoftonline.com
# for it: a GCC tenant is only safe with Production, which every source signs in at the worldwide host.
$script:LoginHosts = @{
    Production       = 'login.microsoftonline.com'
    PPE              = 'login.windows-ppe.net'
    China            = 'login.chinacloudapi.cn'
    Germany          = 'login.microsoftonline.de'
    USGovernment     = 'login.microsoftonline.us'
    USGovernmentHigh = 'login.microsoftonline.us'
    USGovernmentDoD  = 'login.microsoftonline.us'
}

function Resolve-Connection([psobject]$Connection) {
    $resolved = if ($Connection) { $Connection } else { $script:CurrentConnection }
    if (-not $resolved) {
        throw (New-StandInError -Message 'There is currently no connection yet. Use Connect-PnPOnline to connect.' -ErrorId 'NoConnection' -Category ConnectionError)
    }
    if ($resolved.ExpiresOn -lt [DateTimeOffset]::UtcNow.AddMinutes(5)) {
        $token = Get-SimulatorToken -Tenant $resolved.Tenant -ClientId $resolved.ClientId -Certificate $resolved.Certificate -Scope "$($resolved.Resource)/.default" -LoginHost $resolved.LoginHost
        $resolved.AccessToken = $token.AccessToken
        $resolved.ExpiresOn = $token.ExpiresOn
    }
    $resolved
}

# PnP surfaces SharePoint's server errors (CSOM ServerException) with the cmdlet's class in the error id.
function ConvertTo-SharePointError {
    param([string]$CmdletClass, [object]$Response, [object]$Target)
    $body = ConvertFrom-SimulatorJson $Response.Text
    $message = $null
    if ($body -and $body.PSObject.Properties['error']) {
        $message = if ($body.error.message -is [string]) { $body.error.message } elseif ($body.error.message) { [string]$body.error.message.value } else { $null }
    } elseif ($body -and $body.PSObject.Properties['odata.error']) {
        $message = [string]$body.'odata.error'.message.value
    }
    if (-not $message) { $message = "The remote server returned an error: ($($Response.Status))." }
    New-StandInError -Message $message -ErrorId "EXCEPTION,PnP.PowerShell.Commands.$CmdletClass" -Category WriteError -Target $Target
}

function Invoke-SharePointCmdlet {
    param([psobject]$Connection, [string]$CmdletName, [string]$CmdletClass, [System.Collections.IDictionary]$Parameters)
    $active = Resolve-Connection $Connection
    $body = @{ CmdletName = $CmdletName; Parameters = $Parameters; Url = $active.Url }
    $response = Send-SimulatorJson -Path '/_sim/spo/InvokeCommand' -Body $body -Token $active.AccessToken
    if ($response.Status -lt 200 -or $response.Status -gt 299) {
        throw (ConvertTo-SharePointError -CmdletClass $CmdletClass -Response $response -Target $Parameters['Identity'])
    }
    $result = ConvertFrom-SimulatorJson $response.Text
    if ($null -eq $result) {
        throw (New-StandInError -Message 'Unexpected end when deserializing object.' -ErrorId "EXCEPTION,PnP.PowerShell.Commands.$CmdletClass" -Category InvalidResult)
    }
    if ($result.PSObject.Properties['value']) {
        foreach ($item in $result.value) { $item }
    }
}

function Connect-PnPOnline {
    [CmdletBinding(DefaultParameterSetName = 'App-Only with Azure Active Directory')]
    param(
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory using certificate as PEM strings', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [string] $Url,
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory', Mandatory = $true)]
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory using certificate as PEM strings', Mandatory = $true)]
        [string] $ClientId,
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory', Mandatory = $true)]
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory using certificate as PEM strings', Mandatory = $true)]
        [string] $Tenant,
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory')] [string] $CertificatePath,
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory')] [string] $CertificateBase64Encoded,
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory')]
        [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate,
        # How the PFX's private key is imported (PnP.PowerShell 3.0+): https://pnp.github.io/powershell/cmdlets/Connect-PnPOnline.html
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory')]
        [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags] $X509KeyStorageFlags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::DefaultKeySet,
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory')]
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory using certificate as PEM strings')]
        [securestring] $CertificatePassword,
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory using certificate as PEM strings', Mandatory = $true)] [string] $PEMCertificate,
        [Parameter(ParameterSetName = 'App-Only with Azure Active Directory using certificate as PEM strings', Mandatory = $true)] [string] $PEMPrivateKey,
        [ValidateSet('Production', 'PPE', 'China', 'Germany', 'USGovernment', 'USGovernmentHigh', 'USGovernmentDoD', 'Custom')]
        [string] $AzureEnvironment = 'Production',
        [string] $TenantAdminUrl,
        [switch] $ReturnConnection,
        [switch] $CreateDrive,
        [string] $DriveName = 'SPO'
    )
    $password = if ($CertificatePassword) { [System.Net.NetworkCredential]::new('', $CertificatePassword).Password } else { $null }
    $certificateToUse = if ($Certificate) { $Certificate }
    elseif ($CertificateBase64Encoded) { [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([Convert]::FromBase64String($CertificateBase64Encoded), $password, $X509KeyStorageFlags) }
    elseif ($CertificatePath) { [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($CertificatePath, $password, $X509KeyStorageFlags) }
    elseif ($PEMCertificate) { [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($PEMCertificate, $PEMPrivateKey) }
    else { $null }
    if (-not $certificateToUse -or -not $certificateToUse.HasPrivateKey) {
        throw (New-StandInError -Message 'No certificate with a private key was provided: use -CertificatePath, -CertificateBase64Encoded or -Certificate.' -ErrorId 'EXCEPTION,PnP.PowerShell.Commands.Base.ConnectOnline' -Category InvalidArgument -Target $Url)
    }
    $resource = ([Uri]$Url).GetLeftPart([System.UriPartial]::Authority)
    # Custom reads its endpoints from configuration the stand-in does not model: it signs in wherever the simulator is.
    $loginHost = $script:LoginHosts[$AzureEnvironment]
    $token = Get-SimulatorToken -Tenant $Tenant -ClientId $ClientId -Certificate $certificateToUse -Scope "$resource/.default" -LoginHost $loginHost
    # The first connect of a session pays module start-up and the version check; later site connections do not.
    $path = if ($script:SessionStarted) { '/_sim/spo/connect-site' } else { '/_sim/spo/connect' }
    $response = Send-SimulatorJson -Path $path -Body @{ url = $Url; clientId = $ClientId } -Token $token.AccessToken
    $script:SessionStarted = $true
    if ($response.Status -lt 200 -or $response.Status -gt 299) {
        throw (ConvertTo-SharePointError -CmdletClass 'Base.ConnectOnline' -Response $response -Target $Url)
    }
    $connection = [pscustomobject]@{
        PSTypeName       = 'PnP.PowerShell.Commands.Base.PnPConnection'
        Url              = $Url
        ClientId         = $ClientId
        Tenant           = $Tenant
        AzureEnvironment = $AzureEnvironment
        LoginHost        = $loginHost
        ConnectionType   = 'O365'
        Resource         = $resource
        Certificate      = $certificateToUse
        AccessToken      = $token.AccessToken
        ExpiresOn        = $token.ExpiresOn
    }
    if ($ReturnConnection) { return $connection }
    $script:CurrentConnection = $connection
}

function Disconnect-PnPOnline {
    [CmdletBinding()]
    param([psobject] $Connection)
    $script:CurrentConnection = $null
}

function Get-PnPConnection {
    [CmdletBinding()]
    param()
    Resolve-Connection $null
}

function Get-PnPTenant {
    [CmdletBinding()]
    param([psobject] $Connection)
    Invoke-SharePointCmdlet -Connection $Connection -CmdletName 'Get-PnPTenant' -CmdletClass 'GetTenant' -Parameters (Get-CmdletParameters $PSBoundParameters)
}

function Get-PnPTenantSite {
    [CmdletBinding(DefaultParameterSetName = 'All Sites')]
    param(
        [Parameter(ParameterSetName = 'By URL', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [Alias('Url')]
        [string] $Identity,
        [Parameter(ParameterSetName = 'All Sites')] [string] $Template,
        [switch] $Detailed,
        [Parameter(ParameterSetName = 'All Sites')] [switch] $IncludeOneDriveSites,
        [Parameter(ParameterSetName = 'All Sites')] [string] $Filter,
        [Parameter(ParameterSetName = 'By URL')] [switch] $DisableSharingForNonOwnersStatus,
        [Parameter(ParameterSetName = 'All Sites')] [System.Nullable[bool]] $GroupIdDefined,
        [psobject] $Connection
    )
    process {
        Invoke-SharePointCmdlet -Connection $Connection -CmdletName 'Get-PnPTenantSite' -CmdletClass 'GetTenantSite' -Parameters (Get-CmdletParameters $PSBoundParameters)
    }
}

function Set-PnPTenantSite {
    [CmdletBinding(DefaultParameterSetName = 'Set Properties')]
    param(
        [Parameter(ParameterSetName = 'Set Properties', Mandatory = $true, Position = 0)]
        [Parameter(ParameterSetName = 'Set Lock State', Mandatory = $true, Position = 0)]
        [Alias('Url')]
        [string] $Identity,
        [Parameter(ParameterSetName = 'Set Properties')] [string] $Title,
        [Parameter(ParameterSetName = 'Set Properties')] [uint32] $LocaleId,
        [Parameter(ParameterSetName = 'Set Properties')] [switch] $AllowSelfServiceUpgrade,
        [Parameter(ParameterSetName = 'Set Properties')] [System.Collections.Generic.List[string]] $Owners,
        [Parameter(ParameterSetName = 'Set Properties')] [Alias('NoScriptSite')] [switch] $DenyAddAndCustomizePages,
        [Parameter(ParameterSetName = 'Set Properties')]
        [Alias('Sharing')]
        [ValidateSet('Disabled', 'ExternalUserSharingOnly', 'ExternalUserAndGuestSharing', 'ExistingExternalUserSharingOnly')]
        [string] $SharingCapability,
        [Parameter(ParameterSetName = 'Set Properties')] [Alias('StorageMaximumLevel')] [long] $StorageQuota,
        [Parameter(ParameterSetName = 'Set Properties')] [Alias('StorageWarningLevel')] [long] $StorageQuotaWarningLevel,
        [Parameter(ParameterSetName = 'Set Properties')] [string] $SensitivityLabel,
        [Parameter(ParameterSetName = 'Set Lock State')] [ValidateSet('Unlock', 'NoAccess', 'ReadOnly')] [string] $LockState,
        [switch] $Wait,
        [psobject] $Connection
    )
    process {
        Invoke-SharePointCmdlet -Connection $Connection -CmdletName 'Set-PnPTenantSite' -CmdletClass 'SetTenantSite' -Parameters (Get-CmdletParameters $PSBoundParameters)
    }
}

function Get-PnPSiteCollectionAdmin {
    [CmdletBinding()]
    param([psobject] $Connection)
    Invoke-SharePointCmdlet -Connection $Connection -CmdletName 'Get-PnPSiteCollectionAdmin' -CmdletClass 'Site.GetSiteCollectionAdmin' -Parameters (Get-CmdletParameters $PSBoundParameters)
}

# https://pnp.github.io/powershell/cmdlets/Remove-PnPSiteCollectionAdmin.html: removes admins of the connected site.
function Remove-PnPSiteCollectionAdmin {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, ValueFromPipeline = $true)] [System.Collections.Generic.List[string]] $Owners,
        [psobject] $Connection
    )
    process {
        Invoke-SharePointCmdlet -Connection $Connection -CmdletName 'Remove-PnPSiteCollectionAdmin' -CmdletClass 'Site.RemoveSiteCollectionAdmin' -Parameters (Get-CmdletParameters $PSBoundParameters)
    }
}

Export-ModuleMember -Function 'Connect-PnPOnline', 'Disconnect-PnPOnline', 'Get-PnPConnection', 'Get-PnPTenant', 'Get-PnPTenantSite', 'Set-PnPTenantSite', 'Get-PnPSiteCollectionAdmin', 'Remove-PnPSiteCollectionAdmin'
