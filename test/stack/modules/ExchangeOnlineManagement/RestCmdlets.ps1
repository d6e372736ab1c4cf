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

# https://learn.microsoft.com/powershell/module/exchangepowershell/remove-mailboxpermission: it asks for confirmation
# (ConfirmImpact High) unless -Confirm:$false, which the worker passes to every Exchange cmdlet.
function Remove-MailboxPermission {
    [CmdletBinding(DefaultParameterSetName = 'AccessRights', SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [Parameter(ParameterSetName = 'AccessRights', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [Parameter(ParameterSetName = 'Instance', Position = 0, ValueFromPipeline = $true)]
        [string] $Identity,
        [Parameter(ParameterSetName = 'AccessRights', Mandatory = $true)]
        [Parameter(ParameterSetName = 'Instance')]
        [ValidateSet('ChangeOwner', 'ChangePermission', 'DeleteItem', 'ExternalAccount', 'FullAccess', 'ReadPermission')]
        [string[]] $AccessRights,
        [Parameter(ParameterSetName = 'AccessRights', Mandatory = $true)]
        [Parameter(ParameterSetName = 'Instance')]
        [string] $User,
        [Parameter(ParameterSetName = 'Instance', Mandatory = $true, ValueFromPipeline = $true)] [psobject] $Instance,
        [Parameter(ParameterSetName = 'AccessRights')]
        [Parameter(ParameterSetName = 'Instance')]
        [switch] $Deny,
        [Parameter(ParameterSetName = 'AccessRights')]
        [Parameter(ParameterSetName = 'Instance')]
        [ValidateSet('None', 'All', 'Children', 'Descendents', 'SelfAndChildren')]
        [string] $InheritanceType,
        [switch] $BypassMasterAccountSid,
        [string] $DomainController,
        [switch] $GroupMailbox,
        [switch] $IgnoreDefaultScope,
        [switch] $SoftDeletedMailbox
    )
    process {
        if ($PSCmdlet.ShouldProcess($Identity, 'Remove mailbox permission')) {
            & $Invoke 'Remove-MailboxPermission' $PSBoundParameters
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
