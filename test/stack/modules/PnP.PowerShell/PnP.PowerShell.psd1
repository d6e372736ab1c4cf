@{
    # Stand-in for PnP.PowerShell, routed to the test stack's simulator.
    RootModule        = 'PnP.PowerShell.psm1'
    ModuleVersion     = '3.1.0'
    GUID              = '0b0430ce-d799-4f3b-a565-f0dca1f31e17'
    Author            = 'm365-offboard test stack'
    Description       = 'Stand-in with the cmdlet names, parameter sets and mandatory parameters of PnP.PowerShell, answered by the Microsoft 365 simulator.'
    PowerShellVersion = '7.4'
    FunctionsToExport = @(
        'Connect-PnPOnline',
        'Disconnect-PnPOnline',
        'Get-PnPConnection',
        'Get-PnPTenant',
        'Get-PnPTenantSite',
        'Set-PnPTenantSite',
        'Get-PnPSiteCollectionAdmin',
        'Remove-PnPSiteCollectionAdmin'
    )
    CmdletsToExport   = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
