# The cmdlets Connect-ExchangeOnline loads into its generated tmpEXO_* module (those -CommandName names, or all),
# with the real module's signatures. Run inside that module, where $Invoke sends a call to the admin API.

function Get-MailboxPermission {
    [CmdletBinding(DefaultParameterSetName = 'AccessRights')]
    param(
        [Parameter(ParameterSetName = 'AccessRights', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [Parameter(ParameterSetName = 'Owner', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [string] $Identity,
        [Parameter(ParameterSetName = 'Owner')] [switch] $Owner,
        [Parameter(ParameterSetName = 'AccessRights')] [string] $User,
        [Parameter(ParameterSetName = 'AccessRights')] [switch] $SoftDeletedMailbox,
        [Parameter(ParameterSetName = 'AccessRights')] [switch] $IncludeSoftDeletedUserPermissions,
        [Parameter(ParameterSetName = 'AccessRights')] [switch] $IncludeUnresolvedPermissions,
        [pscredential] $Credential,
        [string] $DomainController,
        [switch] $GroupMailbox,
        [switch] $IncludeUserWithDisplayName,
        [switch] $ReadFromDomainController,
        [string] $ResultSize,
        [switch] $UseCustomRouting
    )
    process {
        & $Invoke 'Get-MailboxPermission' $PSBoundParameters
    }
}

function Add-MailboxPermission {
    [CmdletBinding(DefaultParameterSetName = 'AccessRights', SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param(
        [Parameter(ParameterSetName = 'AccessRights', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [Parameter(ParameterSetName = 'Owner', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [Parameter(ParameterSetName = 'Instance', Position = 0, ValueFromPipeline = $true)]
        [string] $Identity,
        [Parameter(ParameterSetName = 'AccessRights', Mandatory = $true)]
        [Parameter(ParameterSetName = 'Instance')]
        [ValidateSet('ChangeOwner', 'ChangePermission', 'DeleteItem', 'ExternalAccount', 'FullAccess', 'ReadPermission')]
        [string[]] $AccessRights,
        [Parameter(ParameterSetName = 'AccessRights', Mandatory = $true)]
        [Parameter(ParameterSetName = 'Instance')]
        [string] $User,
        [Parameter(ParameterSetName = 'Owner', Mandatory = $true)] [string] $Owner,
        [Parameter(ParameterSetName = 'Instance', Mandatory = $true, ValueFromPipeline = $true)] [psobject] $Instance,
        [Parameter(ParameterSetName = 'AccessRights')]
        [Parameter(ParameterSetName = 'Instance')]
        [bool] $AutoMapping,
        [Parameter(ParameterSetName = 'AccessRights')]
        [Parameter(ParameterSetName = 'Instance')]
        [switch] $Deny,
        [Parameter(ParameterSetName = 'AccessRights')]
        [Parameter(ParameterSetName = 'Instance')]
        [ValidateSet('None', 'All', 'Children', 'Descendents', 'SelfAndChildren')]
        [string] $InheritanceType,
        [string] $DomainController,
        [switch] $GroupMailbox,
        [switch] $IgnoreDefaultScope
    )
    process {
        if ($PSCmdlet.ShouldProcess($Identity, 'Add mailbox permission')) {
            & $Invoke 'Add-MailboxPermission' $PSBoundParameters
        }
    }
}

function Set-Mailbox {
    [CmdletBinding(DefaultParameterSetName = 'Identity', SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [ValidateSet('Regular', 'Room', 'Equipment', 'Shared', 'Workspace')] [string] $Type,
        [bool] $HiddenFromAddressListsEnabled,
        [bool] $AccountDisabled,
        [string] $DisplayName,
        [string] $CustomAttribute1,
        [string] $ForwardingAddress,
        [string] $ForwardingSmtpAddress,
        [bool] $DeliverToMailboxAndForward,
        [bool] $LitigationHoldEnabled,
        [switch] $Force
    )
    process {
        if ($PSCmdlet.ShouldProcess($Identity, 'Set mailbox')) {
            & $Invoke 'Set-Mailbox' $PSBoundParameters
        }
    }
}

# https://learn.microsoft.com/powershell/module/exchange/get-mailboxautoreplyconfiguration
function Get-MailboxAutoReplyConfiguration {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [pscredential] $Credential,
        [string] $DomainController,
        [switch] $ReadFromDomainController,
        [string] $ResultSize,
        [switch] $UseCustomRouting
    )
    process {
        & $Invoke 'Get-MailboxAutoReplyConfiguration' $PSBoundParameters
    }
}

# https://learn.microsoft.com/powershell/module/exchange/set-mailboxautoreplyconfiguration
function Set-MailboxAutoReplyConfiguration {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [bool] $AutoDeclineFutureRequestsWhenOOF,
        [ValidateSet('Enabled', 'Disabled', 'Scheduled')] [string] $AutoReplyState,
        [bool] $CreateOOFEvent,
        [bool] $DeclineAllEventsForScheduledOOF,
        [bool] $DeclineEventsForScheduledOOF,
        [string] $DeclineMeetingMessage,
        [string] $DomainController,
        [datetime] $EndTime,
        [string[]] $EventsToDeleteIDs,
        [ValidateSet('None', 'Known', 'All')] [string] $ExternalAudience,
        [string] $ExternalMessage,
        [switch] $IgnoreDefaultScope,
        [string] $InternalMessage,
        [string] $OOFEventSubject,
        [datetime] $StartTime
    )
    process {
        if ($PSCmdlet.ShouldProcess($Identity, 'Set mailbox auto reply configuration')) {
            & $Invoke 'Set-MailboxAutoReplyConfiguration' $PSBoundParameters
        }
    }
}
