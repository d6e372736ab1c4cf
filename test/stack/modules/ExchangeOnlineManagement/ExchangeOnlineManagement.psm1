# Stand-in ExchangeOnlineManagement: the real module's cmdlet signatures (names, types, parameter sets, mandatory
# flags, from the Exchange PowerShell reference) over the simulator's Exchange Online admin API.

. (Join-Path $PSScriptRoot 'SimulatorClient.ps1')

$script:Connection = $null
$script:ExchangeResource = 'https://outlook.office365.com'
# The cmdlets a connect can load (RestCmdlets.ps1); the Get-EXO* ones are the module's own and always there.
$script:RestCmdletNames = @(
    'Get-MailboxPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission', 'Set-Mailbox',
    'Get-MobileDevice', 'Get-MobileDeviceStatistics', 'Clear-MobileDevice', 'Get-InboxRule', 'Remove-InboxRule', 'Remove-CalendarEvents',
    'Remove-DistributionGroupMember', 'Add-DistributionGroupMember', 'Get-MailboxAutoReplyConfiguration', 'Set-MailboxAutoReplyConfiguration'
)
$script:RestModule = $null

function Get-ActiveConnection {
    if (-not $script:Connection) {
        throw (New-StandInError -Message 'No active Exchange Online session. Run Connect-ExchangeOnline before running this cmdlet.' -ErrorId 'NotConnected' -Category ConnectionError)
    }
    if ($script:Connection.ExpiresOn -lt [DateTimeOffset]::UtcNow.AddMinutes(5)) {
        $token = Get-SimulatorToken -Tenant $script:Connection.Organization -ClientId $script:Connection.AppId -Certificate $script:Connection.Certificate -Scope "$script:ExchangeResource/.default"
        $script:Connection.AccessToken = $token.AccessToken
        $script:Connection.ExpiresOn = $token.ExpiresOn
    }
    $script:Connection
}

# The V3 module's error for a failed cmdlet: a plain exception whose message is the admin API's
# "Ex<id>|<exception type>|<text>" line, category NotSpecified, the server's exception type as the category's reason, and
# a FullyQualifiedErrorId of "[Server=…,RequestId=…,TimeStamp=…]," and the command that wrote it (without the
# FailureCategory of remote PowerShell). Sources: the module's release notes for 3.0.0
# (https://learn.microsoft.com/powershell/exchange/exchange-online-powershell-v2#version-300-preview-versions-known-as-v206-previewx)
# and errors users quote from it: timmcmic/DLConversionV2#129 and #130, microsoft/Microsoft365DSC#4401.
function ConvertTo-ExchangeError {
    param([string]$CmdletName, [object]$Response, [object]$Target)
    $body = ConvertFrom-SimulatorJson $Response.Text
    $detail = if ($body -and $body.PSObject.Properties['error']) { $body.error } else { $null }
    $line = $null
    if ($detail -and $detail.PSObject.Properties['details']) {
        $line = @($detail.details | Where-Object { $_.message -match '^Ex[0-9A-F]+\|' } | Select-Object -First 1 | ForEach-Object { [string]$_.message })[0]
    }
    if (-not $line) {
        $type = if ($detail -and $detail.code) { [string]$detail.code } else { 'Microsoft.Exchange.Management.RestApiClient.RestClientException' }
        $text = if ($detail -and $detail.message) { [string]$detail.message } else { "The server answered HTTP $($Response.Status)." }
        $line = "|$type|$text"
    }
    $writer = if ($CmdletName -like 'Get-EXO*') { 'Microsoft.Exchange.Management.RestApiClient.' + $CmdletName.Replace('-', '').Replace('EXO', 'Exo') } else { 'Write-ErrorMessage' }
    $errorId = "[Server=SIMULATOR,RequestId=$([guid]::NewGuid()),TimeStamp=$([DateTime]::UtcNow.ToString('R'))],$writer"
    $record = New-StandInError -Message $line -ErrorId $errorId -Target $Target
    $record.CategoryInfo.Reason = $line.Split('|')[1].Split('.')[-1]
    $record.CategoryInfo.Activity = $CmdletName
    $record
}

# The module's connect stops on a refusal with the service's text as the message and the error id, category
# OperationStopped; a token without Exchange.ManageAsApp ends in an UnauthorizedAccessException "UnAuthorized". Errors
# users quote: Microsoft365DSC/Microsoft365DSC#4530, maester365/maester#718, and
# https://support.oneidentity.com/identity-manager/kb/4381137/error-unauthorized-when-setting-up-exchange-online-connector
function ConvertTo-ConnectError {
    param([object]$Response, [object]$Target)
    $body = ConvertFrom-SimulatorJson $Response.Text
    $text = if ($body -and $body.PSObject.Properties['error'] -and $body.error.message) { [string]$body.error.message } else { "The server answered HTTP $($Response.Status)." }
    if ($Response.Status -eq 401) {
        $exception = [System.UnauthorizedAccessException]::new($text)
    } elseif ($body -and $body.PSObject.Properties['error'] -and $body.error.PSObject.Properties['details']) {
        return (ConvertTo-ExchangeError -CmdletName 'Connect-ExchangeOnline' -Response $Response -Target $Target)
    } else {
        $exception = [System.Exception]::new($text)
    }
    [System.Management.Automation.ErrorRecord]::new($exception, $text, [System.Management.Automation.ErrorCategory]::OperationStopped, $Target)
}

function Invoke-ExchangeCmdlet {
    # -WriteVerbose: the caller ran with -Verbose, which does not reach this module's scope by itself.
    param([string]$CmdletName, [System.Collections.IDictionary]$Parameters, [switch]$WriteVerbose)
    $connection = Get-ActiveConnection
    $path = '/adminapi/beta/' + [Uri]::EscapeDataString($connection.Organization) + '/InvokeCommand'
    $headers = @{
        'X-ResponseFormat'    = 'json'
        'X-ClientApplication' = 'ExoManagementModule'
        'connection-id'       = $connection.ConnectionId
        'X-AnchorMailbox'     = "UPN:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@$($connection.Organization)"
    }
    $body = @{ CmdletInput = @{ CmdletName = $CmdletName; Parameters = $Parameters } }
    $response = Send-SimulatorJson -Path $path -Body $body -Token $connection.AccessToken -Headers $headers
    if ($response.Status -lt 200 -or $response.Status -gt 299) {
        throw (ConvertTo-ExchangeError -CmdletName $CmdletName -Response $response -Target $Parameters['Identity'])
    }
    $result = ConvertFrom-SimulatorJson $response.Text
    if ($null -eq $result) {
        throw (New-StandInError -Message "Error while querying REST service. HttpStatusCode=$($response.Status) ErrorMessage=The response could not be read as JSON." -ErrorId "RestClientException,$CmdletName" -Category InvalidResult)
    }
    # The admin API returns the cmdlet's warnings next to its output; the module writes them to the warning stream.
    if ($result.PSObject.Properties['@adminapi.warnings']) {
        foreach ($warning in $result.'@adminapi.warnings') { Write-Warning ([string]$warning) }
    }
    if ($WriteVerbose -and $result.PSObject.Properties['@adminapi.verbose']) {
        foreach ($line in $result.'@adminapi.verbose') { Write-Verbose -Message ([string]$line) -Verbose }
    }
    if ($result.PSObject.Properties['value']) {
        foreach ($item in $result.value) { $item }
    }
}

function Connect-ExchangeOnline {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $ConnectionUri,
        [Parameter(Position = 1)] [string] $AzureADAuthorizationEndpointUri,
        [Parameter(Position = 2)]
        [ValidateSet('O365Default', 'O365GermanyCloud', 'O365China', 'O365USGovGCCHigh', 'O365USGovDoD')]
        [string] $ExchangeEnvironmentName = 'O365Default',
        [Parameter(Position = 3)] [System.Management.Automation.Remoting.PSSessionOption] $PSSessionOption,
        [Parameter(Position = 4)] [string] $DelegatedOrganization,
        [Parameter(Position = 5)] [string] $Prefix,
        [Parameter(Position = 6)] [string[]] $CommandName,
        [Parameter(Position = 7)] [string[]] $FormatTypeName,
        [string] $AccessToken,
        [string] $AppId,
        [switch] $BypassMailboxAnchoring,
        [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate,
        [string] $CertificateFilePath,
        [securestring] $CertificatePassword,
        [string] $CertificateThumbprint,
        [pscredential] $Credential,
        [switch] $Device,
        [switch] $DisableWAM,
        [switch] $EnableErrorReporting,
        [switch] $InlineCredential,
        [switch] $LoadCmdletHelp,
        [string] $LogDirectoryPath,
        [ValidateSet('Default', 'All')] [string] $LogLevel,
        [switch] $ManagedIdentity,
        [string] $ManagedIdentityAccountId,
        [string] $Organization,
        [uint32] $PageSize,
        [switch] $ShowBanner = $true,
        [bool] $ShowProgress = $true,
        [System.Security.Cryptography.X509Certificates.X509Certificate2] $SigningCertificate,
        [switch] $SkipLoadingCmdletHelp,
        [switch] $SkipLoadingFormatData,
        [bool] $TrackPerformance,
        [bool] $UseMultithreading = $true,
        [string] $UserPrincipalName,
        [switch] $UseRPSSession
    )
    if ($CertificateThumbprint -and -not $IsWindows) {
        throw (New-StandInError -Message 'CertificateThumbprint is supported only on Windows. Use the Certificate or CertificateFilePath parameter.' -ErrorId 'CertificateThumbprintNotSupported' -Category InvalidArgument)
    }
    if ($CertificateFilePath) {
        $Certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($CertificateFilePath, $CertificatePassword)
    }
    if (-not $Certificate) {
        throw (New-StandInError -Message 'This test tenant accepts app-only certificate authentication only: use -AppId, -Organization and -Certificate or -CertificateFilePath.' -ErrorId 'UnsupportedAuthentication' -Category InvalidArgument)
    }
    if (-not $AppId -or -not $Organization) {
        throw (New-StandInError -Message 'Certificate based authentication needs the AppId and Organization parameters.' -ErrorId 'MissingAppIdOrOrganization' -Category InvalidArgument)
    }
    if (-not $Certificate.HasPrivateKey) {
        throw (New-StandInError -Message 'The certificate does not contain a private key.' -ErrorId 'CertificateWithoutPrivateKey' -Category InvalidArgument)
    }
    if ($ShowBanner) {
        Write-Host '----------------------------------------------------------------------------------------'
        Write-Host 'This V3 EXO PowerShell module contains new REST API backed Exchange Online cmdlets which'
        Write-Host "doesn't require WinRM for Client-Server communication. (Stand-in for the test stack.)"
        Write-Host '----------------------------------------------------------------------------------------'
    }
    $token = Get-SimulatorToken -Tenant $Organization -ClientId $AppId -Certificate $Certificate -Scope "$script:ExchangeResource/.default"
    $connection = [pscustomobject]@{
        ConnectionId = [guid]::NewGuid().ToString()
        Organization = $Organization
        AppId        = $AppId
        Certificate  = $Certificate
        AccessToken  = $token.AccessToken
        ExpiresOn    = $token.ExpiresOn
        Environment  = $ExchangeEnvironmentName
    }
    # Which cmdlets the connect loads: those -CommandName names, else all. The simulator logs the list.
    $names = if ($PSBoundParameters.ContainsKey('CommandName')) { @($script:RestCmdletNames | Where-Object { $CommandName -contains $_ }) } else { $script:RestCmdletNames }
    $response = Send-SimulatorJson -Path '/_sim/exo/connect' -Body @{ organization = $Organization; appId = $AppId; connectionId = $connection.ConnectionId; commandName = @($names) } -Token $token.AccessToken
    if ($response.Status -lt 200 -or $response.Status -gt 299) {
        throw (ConvertTo-ConnectError -Response $response -Target $Organization)
    }
    $script:Connection = $connection
    Import-RestModule -Names $names
}

# Like the real module, the connect generates a module named tmpEXO_<random> holding only the loaded cmdlets and
# imports it globally: a cmdlet it does not hold is not found at all (CommandNotFoundException).
# https://learn.microsoft.com/powershell/module/exchange/connect-exchangeonline (-CommandName)
function Import-RestModule {
    param([string[]]$Names)
    Remove-RestModule
    $invoke = { param($Name, $Bound) Invoke-ExchangeCmdlet -CmdletName $Name -Parameters (Get-CmdletParameters $Bound) -WriteVerbose:($Bound['Verbose'] -eq $true) }
    $definitions = [scriptblock]::Create((Get-Content -LiteralPath (Join-Path $PSScriptRoot 'RestCmdlets.ps1') -Raw))
    $suffix = -join ((1..8) | ForEach-Object { [char](Get-Random -Minimum 97 -Maximum 123) })
    $module = New-Module -Name "tmpEXO_$suffix" -ArgumentList $invoke, $definitions, $Names -ScriptBlock {
        param($Invoke, $Definitions, $Names)
        . $Definitions
        Export-ModuleMember -Function $Names
    }
    $script:RestModule = Import-Module -ModuleInfo $module -Global -PassThru -DisableNameChecking
}

function Remove-RestModule {
    if ($script:RestModule) {
        Remove-Module -ModuleInfo $script:RestModule -Force -ErrorAction SilentlyContinue
        $script:RestModule = $null
    }
}

function Disconnect-ExchangeOnline {
    [CmdletBinding(DefaultParameterSetName = 'DefaultParameterSet', SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [Parameter(ParameterSetName = 'ConnectionId', Mandatory = $true)] [string[]] $ConnectionId,
        [Parameter(ParameterSetName = 'ModulePrefix', Mandatory = $true)] [string[]] $ModulePrefix
    )
    if ($PSCmdlet.ShouldProcess('Exchange Online', 'Disconnect')) {
        $script:Connection = $null
        Remove-RestModule
    }
}

function Get-ConnectionInformation {
    [CmdletBinding()]
    param([string[]] $ConnectionId)
    if ($script:Connection) {
        [pscustomobject]@{
            ConnectionId        = $script:Connection.ConnectionId
            State               = 'Connected'
            Organization        = $script:Connection.Organization
            AppId               = $script:Connection.AppId
            TokenStatus         = 'Active'
            ConnectionUsedForInbuiltCmdlets = $true
            IsEopSession        = $false
        }
    }
}

function Get-EXOMailbox {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(ParameterSetName = 'Identity', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [string] $Identity,
        [Parameter(ParameterSetName = 'Anr')] [string] $Anr,
        [Parameter(ParameterSetName = 'Identity', ValueFromPipelineByPropertyName = $true)] [guid] $ExternalDirectoryObjectId,
        [Parameter(ParameterSetName = 'Identity', ValueFromPipelineByPropertyName = $true)] [string] $PrimarySmtpAddress,
        [Parameter(ParameterSetName = 'Identity', ValueFromPipelineByPropertyName = $true)] [string] $UserPrincipalName,
        [switch] $Archive,
        [switch] $Async,
        [string] $Filter,
        [switch] $GroupMailbox,
        [switch] $InactiveMailboxOnly,
        [switch] $IncludeInactiveMailbox,
        [string] $MailboxPlan,
        [switch] $Migration,
        [string] $OrganizationalUnit,
        [string[]] $Properties,
        [ValidateSet('All', 'Minimum', 'AddressList', 'Archive', 'Audit', 'Custom', 'Delivery', 'Hold', 'Moderation', 'Move', 'Policy', 'PublicFolder', 'Quota', 'Resource', 'Retention', 'SCL', 'SoftDelete', 'StatisticsSeed')]
        [string[]] $PropertySets,
        [switch] $PublicFolder,
        [string[]] $RecipientTypeDetails,
        [string] $ResultSize,
        [switch] $SoftDeletedMailbox
    )
    process {
        Invoke-ExchangeCmdlet -CmdletName 'Get-EXOMailbox' -Parameters (Get-CmdletParameters $PSBoundParameters)
    }
}

Export-ModuleMember -Function 'Connect-ExchangeOnline', 'Disconnect-ExchangeOnline', 'Get-ConnectionInformation', 'Get-EXOMailbox'
