# Lists, from PowerShell's own parser, everything in a script that could run code: every command with how it is
# invoked and what its arguments are, and every method call. Used by worker-script.test.ts; the path comes as an
# argument (data), never as script text.
param([Parameter(Mandatory = $true)][string]$Path)

$ErrorActionPreference = 'Stop'
$tokens = $null
$errors = $null
$ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)

function Get-EnclosingFunction([System.Management.Automation.Language.Ast]$Node) {
    $parent = $Node.Parent
    while ($parent) {
        if ($parent -is [System.Management.Automation.Language.FunctionDefinitionAst]) { return $parent.Name }
        $parent = $parent.Parent
    }
    $null
}

function Test-Constant([System.Management.Automation.Language.Ast]$Node) {
    $Node -is [System.Management.Automation.Language.StringConstantExpressionAst] -or
    $Node -is [System.Management.Automation.Language.ConstantExpressionAst] -or
    $Node -is [System.Management.Automation.Language.CommandParameterAst]
}

$commands = foreach ($command in $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)) {
    $head = $command.CommandElements[0]
    [pscustomobject]@{
        name              = $command.GetCommandName()
        operator          = $command.InvocationOperator.ToString()
        command           = $head.Extent.Text
        commandIsConstant = Test-Constant $head
        arguments         = @(foreach ($element in @($command.CommandElements | Select-Object -Skip 1)) {
                [pscustomobject]@{
                    text     = $element.Extent.Text
                    constant = Test-Constant $element
                    splatted = ($element -is [System.Management.Automation.Language.VariableExpressionAst] -and $element.Splatted)
                }
            })
        function          = Get-EnclosingFunction $command
        line              = $command.Extent.StartLineNumber
    }
}

$memberCalls = foreach ($call in $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.InvokeMemberExpressionAst] }, $true)) {
    [pscustomobject]@{
        target = $call.Expression.Extent.Text
        member = $call.Member.Extent.Text
        static = $call.Static
        line   = $call.Extent.StartLineNumber
    }
}

[pscustomobject]@{
    parseErrors = @(foreach ($e in @($errors)) { if ($e) { $e.Message } })
    commands    = @($commands)
    memberCalls = @($memberCalls)
} | ConvertTo-Json -Depth 6 -Compress
