# A long-lived PowerShell session for the connector: one JSON request per line on stdin, one JSON answer per line on stdout.
# Values arrive as JSON data and reach the cmdlets by splatting; nothing received is ever run as code, and only the
# cmdlets listed below can be called.

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'
$VerbosePreference = 'SilentlyContinue'
$DebugPreference = 'SilentlyContinue'
# A session without a console must never wait for a confirmation.
$ConfirmPreference = 'None'

$Utf8 = [System.Text.UTF8Encoding]::new($false)
$ProtocolOut = [System.IO.StreamWriter]::new([Console]::OpenStandardOutput(), $Utf8)
$ProtocolOut.AutoFlush = $true
$ProtocolIn = [System.IO.StreamReader]::new([Console]::OpenStandardInput(), $Utf8)
# Banners, warnings and anything else the modules write to the host must not reach the protocol stream.
[Console]::SetOut([System.IO.TextWriter]::Null)

$Services = @{
    'ExchangeOnlineManagement' = @{
        Connect    = 'Connect-ExchangeOnline'
        Disconnect = 'Disconnect-ExchangeOnline'
        Cmdlets    = @(
            'Get-EXOMailbox', 'Get-MailboxPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission', 'Set-Mailbox',
            'Get-MobileDevice', 'Get-MobileDeviceStatistics', 'Clear-MobileDevice', 'Get-InboxRule', 'Remove-InboxRule', 'Remove-CalendarEvents',
            'Remove-DistributionGroupMember', 'Add-DistributionGroupMember', 'Get-MailboxAutoReplyConfiguration', 'Set-MailboxAutoReplyConfiguration'
        )
        # Connect-ExchangeOnline puts the REST cmdlets (all but Get-EXO*) in a generated module named tmpEXO_<random>.
        Origins    = @('ExchangeOnlineManagement', 'tmpEXO_*')
    }
    'PnP.PowerShell'           = @{
        Connect    = 'Connect-PnPOnline'
        Disconnect = 'Disconnect-PnPOnline'
        # Get-PnPTenant is the preflight's harmless read of the tenant admin site.
        Cmdlets    = @('Get-PnPSiteCollectionAdmin', 'Set-PnPTenantSite', 'Remove-PnPSiteCollectionAdmin', 'Get-PnPTenant')
        Origins    = @('PnP.PowerShell')
    }
}

# The worker alone supplies the certificate and the error, warning and output handling.
$ReservedParameters = @(
    'Certificate', 'CertificateFilePath', 'CertificatePath', 'CertificateBase64Encoded', 'CertificatePassword',
    'CertificateThumbprint', 'Thumbprint', 'PEMCertificate', 'PEMPrivateKey', 'Connection', 'ReturnConnection'
) + [System.Management.Automation.PSCmdlet]::CommonParameters

$Session = @{
    Module            = $null
    ModuleBase        = $null
    ConnectParameters = $null
    # Oldest first: when the cap is reached, the connection used longest ago goes.
    SiteConnections   = [ordered]@{}
}
$MaxSiteConnections = 32

$JsonOptions = @{ AsHashtable = $true; Depth = 32 }
if ($PSVersionTable.PSVersion -ge [version]'7.5') {
    # Keeps date-like strings as the strings they are.
    $JsonOptions['DateKind'] = 'String'
}

function ConvertTo-Parameters {
    param([object]$Value)
    $parameters = @{}
    if ($null -eq $Value) { return $parameters }
    if ($Value -isnot [System.Collections.IDictionary]) { throw 'parameters must be a JSON object.' }
    foreach ($name in $Value.Keys) {
        if ($name -notmatch '^[A-Za-z][A-Za-z0-9]*$') { throw "'$name' is not a parameter name." }
        if ($ReservedParameters -contains $name) { throw "The parameter '$name' is set by the worker, not by the request." }
        $parameters[$name] = $Value[$name]
    }
    $parameters
}

# Output objects become plain data: scalars, strings, and lists or maps of them. Nested objects (a CSOM context,
# a certificate) are reduced to their text so that serialising them can neither explode nor touch the network.
function ConvertTo-PlainValue {
    param([object]$Value, [int]$Depth)
    if ($null -eq $Value) { return $null }
    if ($Value -is [string] -or $Value -is [bool]) { return $Value }
    if ($Value -is [char] -or $Value -is [enum] -or $Value -is [guid] -or $Value -is [timespan] -or $Value -is [uri]) { return $Value.ToString() }
    if ($Value -is [datetime]) { return $Value.ToUniversalTime().ToString('o') }
    if ($Value -is [datetimeoffset]) { return $Value.ToString('o') }
    if ($Value -is [System.ValueType]) { return $Value }
    if ($Value -is [System.Management.Automation.SwitchParameter]) { return $Value.IsPresent }
    if ($Depth -ge 3) { return $Value.ToString() }
    if ($Value -is [System.Collections.IDictionary]) {
        $map = [ordered]@{}
        foreach ($key in $Value.Keys) { $map[[string]$key] = ConvertTo-PlainValue -Value $Value[$key] -Depth ($Depth + 1) }
        return $map
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $list = [System.Collections.Generic.List[object]]::new()
        foreach ($item in $Value) { $list.Add((ConvertTo-PlainValue -Value $item -Depth ($Depth + 1))) }
        return , $list.ToArray()
    }
    if ($Depth -ge 2) { return $Value.ToString() }
    $map = [ordered]@{}
    foreach ($property in $Value.PSObject.Properties) {
        if ($property.MemberType -notin 'NoteProperty', 'Property', 'AliasProperty', 'ScriptProperty', 'CodeProperty') { continue }
        try {
            $map[$property.Name] = ConvertTo-PlainValue -Value $property.Value -Depth ($Depth + 1)
        } catch {
            # A property that cannot be read (an unloaded CSOM field) is left out.
            continue
        }
    }
    $map
}

function ConvertTo-ErrorInfo {
    param([System.Management.Automation.ErrorRecord]$Record)
    $exception = $Record.Exception
    while ($exception -is [System.Management.Automation.MethodInvocationException] -and $exception.InnerException) {
        $exception = $exception.InnerException
    }
    $message = if ($Record.ErrorDetails -and $Record.ErrorDetails.Message) { $Record.ErrorDetails.Message } else { $exception.Message }
    [ordered]@{
        type     = $exception.GetType().FullName
        errorId  = [string]$Record.FullyQualifiedErrorId
        category = $Record.CategoryInfo.Category.ToString()
        reason   = [string]$Record.CategoryInfo.Reason
        message  = [string]$message
    }
}

# The one place a command runs: an allowlisted command of the connected module, parameters splatted as data.
function Invoke-Splatted {
    # -Verbose: the command's verbose stream is collected too (Remove-CalendarEvents -PreviewOnly reports there).
    param([string]$Module, [string]$Name, [hashtable]$Parameters, [switch]$Verbose)
    $origins = $Services[$Module].Origins
    # The service module's own commands come from the copy imported at connect, never from another one on PSModulePath.
    $command = Get-Command -Name $Name -CommandType Cmdlet, Function -All -ErrorAction SilentlyContinue |
        Where-Object { $moduleName = $_.ModuleName; @($origins | Where-Object { $moduleName -like $_ }).Count -gt 0 } |
        Where-Object { $_.ModuleName -ne $Module -or $_.Module.ModuleBase -eq $Session.ModuleBase } |
        Select-Object -First 1
    if (-not $command) {
        # What PowerShell itself raises for a name it cannot resolve; the Exchange connect loads only the cmdlets its
        # -CommandName names, so a cmdlet left out of it ends here.
        $notFound = [System.Management.Automation.CommandNotFoundException]::new(
            "The term '$Name' is not recognized as a name of a cmdlet, function, script file, or executable program.`nCheck the spelling of the name, or if a path was included, verify that the path is correct and try again.")
        throw [System.Management.Automation.ErrorRecord]::new($notFound, 'CommandNotFoundException', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $Name)
    }
    $warnings = $null
    if ($Verbose) { $Parameters['Verbose'] = $true }
    $all = @(& $command @Parameters -ErrorAction Stop -WarningAction SilentlyContinue -WarningVariable warnings 4>&1)
    $output = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
    $verboseLines = @(if ($Verbose) { $all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { [string]$_.Message } })
    [pscustomobject]@{
        Output   = $output
        Warnings = @(foreach ($warning in @($warnings)) { if ($null -ne $warning) { [string]$warning.Message } })
        Verbose  = $verboseLines
    }
}

function Connect-Service {
    param([System.Collections.IDictionary]$Request)
    $module = [string]$Request['module']
    if (-not $Services.ContainsKey($module)) { throw "'$module' is not a module this worker connects to." }
    if ($Session.Module) { throw 'This session is connected already.' }
    $service = $Services[$module]
    if ([string]$Request['cmdlet'] -ne $service.Connect) { throw "$module connects with $($service.Connect)." }
    $certificate = $Request['certificate']
    if ($certificate -isnot [System.Collections.IDictionary]) { throw 'connect needs a certificate {certPem, keyPem} or {pfxBase64}.' }

    # By the manifest path preflight found, when given: a module of the same name planted later in another
    # PSModulePath folder (a user's module folder) is never loaded.
    $manifest = $Request['modulePath']
    $source = $module
    if ($null -ne $manifest) {
        $manifest = [string]$manifest
        if (-not [System.IO.Path]::IsPathFullyQualified($manifest) -or [System.IO.Path]::GetFileName($manifest) -ne "$module.psd1") {
            throw "'$manifest' is not the full path of a $module.psd1 manifest."
        }
        $source = $manifest
    }
    $imported = @(Import-Module -Name $source -PassThru -ErrorAction Stop -WarningAction SilentlyContinue -DisableNameChecking | Where-Object Name -eq $module)
    if ($imported.Count -ne 1) { throw "Importing $source did not load the module $module." }
    $Session.ModuleBase = $imported[0].ModuleBase
    $parameters = ConvertTo-Parameters $Request['parameters']
    # The certificate exists in this process's memory only; it is never written to disk.
    if ($module -eq 'ExchangeOnlineManagement') {
        $parameters['Certificate'] = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem([string]$certificate['certPem'], [string]$certificate['keyPem'])
    } else {
        # Built by the action (pfx.ts), which masks this very text in the log: a PFX exported here would be new text.
        $parameters['CertificateBase64Encoded'] = [string]$certificate['pfxBase64']
    }
    $result = Invoke-Splatted -Module $module -Name $service.Connect -Parameters $parameters
    $Session.Module = $module
    $Session.ConnectParameters = $parameters
    [ordered]@{ ok = $true; output = @(); warnings = $result.Warnings }
}

# SharePoint cmdlets that act on one site (not the admin site) need a connection to that site.
function Get-SiteConnection {
    param([string]$Site)
    if ($Session.SiteConnections.Contains($Site)) {
        $connection = $Session.SiteConnections[$Site]
        $Session.SiteConnections.Remove($Site)
        $Session.SiteConnections[$Site] = $connection
        return $connection
    }
    if ($Session.SiteConnections.Count -ge $MaxSiteConnections) { $Session.SiteConnections.RemoveAt(0) }
    $parameters = $Session.ConnectParameters.Clone()
    $parameters['Url'] = $Site
    $parameters['ReturnConnection'] = $true
    $result = Invoke-Splatted -Module $Session.Module -Name $Services[$Session.Module].Connect -Parameters $parameters
    $connection = $result.Output | Select-Object -First 1
    $Session.SiteConnections[$Site] = $connection
    $connection
}

function Invoke-Allowed {
    param([System.Collections.IDictionary]$Request)
    if (-not $Session.Module) { throw 'Not connected: send connect first.' }
    $name = [string]$Request['cmdlet']
    if ($Services[$Session.Module].Cmdlets -notcontains $name) { throw "The cmdlet '$name' is not allowed in this session." }
    $parameters = ConvertTo-Parameters $Request['parameters']
    $site = $Request['site']
    if ($null -ne $site) {
        if ($Session.Module -ne 'PnP.PowerShell') { throw 'Only SharePoint cmdlets run on a site connection.' }
        if ([string]$site -notmatch '^https://[^\s/]+/\S*$') { throw "'$site' is not a site URL." }
        $parameters['Connection'] = Get-SiteConnection -Site ([string]$site)
    }
    $result = Invoke-Splatted -Module $Session.Module -Name $name -Parameters $parameters -Verbose:($Request['verbose'] -eq $true)
    [ordered]@{
        ok       = $true
        output   = @(foreach ($item in $result.Output) { ConvertTo-PlainValue -Value $item -Depth 0 })
        warnings = $result.Warnings
        verbose  = $result.Verbose
    }
}

function Disconnect-Service {
    if (-not $Session.Module) { return [ordered]@{ ok = $true; output = @(); warnings = @() } }
    $parameters = @{}
    if ($Session.Module -eq 'ExchangeOnlineManagement') { $parameters['Confirm'] = $false }
    $result = Invoke-Splatted -Module $Session.Module -Name $Services[$Session.Module].Disconnect -Parameters $parameters
    $Session.Module = $null
    $Session.SiteConnections.Clear()
    [ordered]@{ ok = $true; output = @(); warnings = $result.Warnings }
}

function Write-Answer {
    param([System.Collections.IDictionary]$Answer)
    $ProtocolOut.WriteLine((ConvertTo-Json -InputObject $Answer -Depth 8 -Compress -EscapeHandling EscapeNonAscii))
}

while ($true) {
    $line = $ProtocolIn.ReadLine()
    if ($null -eq $line) { break }
    if ($line.Trim().Length -eq 0) { continue }
    $id = $null
    $type = $null
    try {
        $request = ConvertFrom-Json -InputObject $line @JsonOptions
        if ($request -isnot [System.Collections.IDictionary]) { throw 'A request must be a JSON object.' }
        $id = $request['id']
        $type = [string]$request['type']
        $answer = switch ($type) {
            'connect' { Connect-Service $request }
            'invoke' { Invoke-Allowed $request }
            'disconnect' { Disconnect-Service }
            default { throw "Unknown request type '$type'." }
        }
    } catch {
        $answer = [ordered]@{ ok = $false; output = @(); warnings = @(); errors = @(ConvertTo-ErrorInfo $_) }
    }
    $answer['id'] = $id
    if (-not $answer.Contains('errors')) { $answer['errors'] = @() }
    Write-Answer $answer
    if ($type -eq 'disconnect') { break }
}
exit 0
