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

# https://learn.microsoft.com/powershell/module/exchangepowershell/get-mobiledevice
function Get-MobileDevice {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(ParameterSetName = 'Identity', Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [Parameter(ParameterSetName = 'Mailbox', Mandatory = $true, ValueFromPipeline = $true)] [string] $Mailbox,
        [switch] $ActiveSync,
        [string] $Filter,
        [string] $OrganizationalUnit,
        [switch] $OWAforDevices,
        [string] $ResultSize,
        [switch] $RestApi,
        [string] $SortBy,
        [switch] $UniversalOutlook
    )
    process {
        & $Invoke 'Get-MobileDevice' $PSBoundParameters
    }
}

# https://learn.microsoft.com/powershell/module/exchangepowershell/get-mobiledevicestatistics
function Get-MobileDeviceStatistics {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(ParameterSetName = 'Identity', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [Parameter(ParameterSetName = 'Mailbox', Mandatory = $true, ValueFromPipeline = $true)] [string] $Mailbox,
        [switch] $ActiveSync,
        [switch] $GetMailboxLog,
        [string[]] $NotificationEmailAddresses,
        [switch] $OWAforDevices,
        [switch] $RestApi,
        [switch] $ShowRecoveryPassword,
        [switch] $UniversalOutlook,
        [switch] $UseCustomRouting
    )
    process {
        & $Invoke 'Get-MobileDeviceStatistics' $PSBoundParameters
    }
}

# https://learn.microsoft.com/powershell/module/exchangepowershell/clear-mobiledevice: "This cmdlet has a built-in
# pause, so use -Confirm:$false to skip the confirmation."
function Clear-MobileDevice {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [switch] $AccountOnly,
        [switch] $Cancel,
        [string[]] $NotificationEmailAddresses
    )
    process {
        if ($PSCmdlet.ShouldProcess($Identity, 'Clear mobile device')) {
            & $Invoke 'Clear-MobileDevice' $PSBoundParameters
        }
    }
}

# https://learn.microsoft.com/powershell/module/exchangepowershell/get-inboxrule
function Get-InboxRule {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [switch] $BypassScopeCheck,
        [string] $DescriptionTimeFormat,
        [string] $DescriptionTimeZone,
        [switch] $IncludeHidden,
        [string] $Mailbox,
        [string] $ResultSize,
        [int] $SkipCount,
        [switch] $UseCustomRouting
    )
    process {
        & $Invoke 'Get-InboxRule' $PSBoundParameters
    }
}

# https://learn.microsoft.com/powershell/module/exchangepowershell/remove-inboxrule
function Remove-InboxRule {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [switch] $AlwaysDeleteOutlookRulesBlob,
        [switch] $Force,
        [string] $Mailbox
    )
    process {
        if ($PSCmdlet.ShouldProcess($Identity, 'Remove Inbox rule')) {
            & $Invoke 'Remove-InboxRule' $PSBoundParameters
        }
    }
}

# https://learn.microsoft.com/powershell/module/exchangepowershell/remove-calendarevents: -QueryWindowInDays is
# mandatory; -QueryStartDate is an ExDateTime; -PreviewOnly is used with -Verbose.
function Remove-CalendarEvents {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [Parameter(Mandatory = $true)] [int] $QueryWindowInDays,
        [switch] $CancelOrganizedMeetings,
        [switch] $PreviewOnly,
        [string] $QueryStartDate,
        [switch] $UseCustomRouting
    )
    process {
        if ($PSCmdlet.ShouldProcess($Identity, 'Remove calendar events')) {
            & $Invoke 'Remove-CalendarEvents' $PSBoundParameters
        }
    }
}

# https://learn.microsoft.com/powershell/module/exchange/remove-distributiongroupmember
function Remove-DistributionGroupMember {
    [CmdletBinding(DefaultParameterSetName = 'Identity', SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [string] $Member,
        [switch] $BypassSecurityGroupManagerCheck,
        [string] $DomainController
    )
    process {
        if ($PSCmdlet.ShouldProcess($Identity, 'Remove distribution group member')) {
            & $Invoke 'Remove-DistributionGroupMember' $PSBoundParameters
        }
    }
}

# https://learn.microsoft.com/powershell/module/exchange/add-distributiongroupmember
function Add-DistributionGroupMember {
    [CmdletBinding(DefaultParameterSetName = 'Identity', SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string] $Identity,
        [string] $Member,
        [switch] $BypassSecurityGroupManagerCheck,
        [string] $DomainController
    )
    process {
        if ($PSCmdlet.ShouldProcess($Identity, 'Add distribution group member')) {
            & $Invoke 'Add-DistributionGroupMember' $PSBoundParameters
        }
    }
}
