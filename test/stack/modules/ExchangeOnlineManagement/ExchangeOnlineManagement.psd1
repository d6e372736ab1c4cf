@{
    # Stand-in for the Exchange Online PowerShell V3 module, routed to the test stack's simulator.
    RootModule        = 'ExchangeOnlineManagement.psm1'
    ModuleVersion     = '3.9.0'
    GUID              = 'B5ECED50-AFA4-455B-847A-D8FB64140A22'
    Author            = 'm365-offboard test stack'
    Description       = 'Stand-in with the cmdlet names, parameter sets and mandatory parameters of ExchangeOnlineManagement, answered by the Microsoft 365 simulator.'
    PowerShellVersion = '7.2'
    FunctionsToExport = @(
        'Connect-ExchangeOnline',
        'Disconnect-ExchangeOnline',
        'Get-ConnectionInformation',
        'Get-EXOMailbox'
    )
    CmdletsToExport   = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
