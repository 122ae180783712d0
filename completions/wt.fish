# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wt_global_optspecs
    string join \n server= output= no-input h/help V/version
end

function __fish_wt_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wt_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wt_using_subcommand
    set -l cmd (__fish_wt_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wt -n "__fish_wt_needs_command" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_needs_command" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_needs_command" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_needs_command" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_needs_command" -f -a "setup" -d 'Claim the owner account printed by `wtd init`'
complete -c wt -n "__fish_wt_needs_command" -f -a "login" -d 'Log in and keep the session in the OS keyring'
complete -c wt -n "__fish_wt_needs_command" -f -a "logout" -d 'Revoke the session and delete the stored credential'
complete -c wt -n "__fish_wt_needs_command" -f -a "whoami" -d 'Show who you are logged in as'
complete -c wt -n "__fish_wt_needs_command" -f -a "auth" -d 'Inspect authentication state'
complete -c wt -n "__fish_wt_needs_command" -f -a "mfa" -d 'Manage multi-factor authentication (TOTP) of your account'
complete -c wt -n "__fish_wt_needs_command" -f -a "org" -d 'Show or change the settings of your org'
complete -c wt -n "__fish_wt_needs_command" -f -a "members" -d 'Manage the members of your org'
complete -c wt -n "__fish_wt_needs_command" -f -a "daemon" -d 'Start, stop or inspect a local wtd'
complete -c wt -n "__fish_wt_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c wt -n "__fish_wt_using_subcommand setup" -l name -d 'Your display name (prompted when omitted; required with --no-input)' -r
complete -c wt -n "__fish_wt_using_subcommand setup" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand setup" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand setup" -l token-stdin -d 'Read the one-time setup token from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand setup" -l password-stdin -d 'Read the new password from stdin (the second line when --token-stdin is also given)'
complete -c wt -n "__fish_wt_using_subcommand setup" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand setup" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand login" -l email -d 'Account email (prompted when omitted; required with --no-input)' -r
complete -c wt -n "__fish_wt_using_subcommand login" -l org -d 'Org to log in to (slug); may be omitted when you belong to exactly one org' -r
complete -c wt -n "__fish_wt_using_subcommand login" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand login" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand login" -l password-stdin -d 'Read the password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand login" -l code-stdin -d 'If MFA is on, read a TOTP code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand login" -l recovery-code-stdin -d 'If MFA is on, read a one-time recovery code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand login" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand login" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand logout" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand logout" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand logout" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand logout" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand whoami" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand whoami" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand whoami" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand whoami" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand auth; and not __fish_seen_subcommand_from status" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand auth; and not __fish_seen_subcommand_from status" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand auth; and not __fish_seen_subcommand_from status" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand auth; and not __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand auth; and not __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand auth; and not __fish_seen_subcommand_from status" -f -a "status" -d 'Show the server, login and credential storage'
complete -c wt -n "__fish_wt_using_subcommand auth; and __fish_seen_subcommand_from status" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand auth; and __fish_seen_subcommand_from status" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand auth; and __fish_seen_subcommand_from status" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand auth; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand auth; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand mfa; and not __fish_seen_subcommand_from enroll confirm status disable recovery-codes" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand mfa; and not __fish_seen_subcommand_from enroll confirm status disable recovery-codes" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand mfa; and not __fish_seen_subcommand_from enroll confirm status disable recovery-codes" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand mfa; and not __fish_seen_subcommand_from enroll confirm status disable recovery-codes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand mfa; and not __fish_seen_subcommand_from enroll confirm status disable recovery-codes" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand mfa; and not __fish_seen_subcommand_from enroll confirm status disable recovery-codes" -f -a "enroll" -d 'Turn on MFA: add wt to an authenticator app and confirm with a code'
complete -c wt -n "__fish_wt_using_subcommand mfa; and not __fish_seen_subcommand_from enroll confirm status disable recovery-codes" -f -a "confirm" -d 'Confirm a pending MFA enrollment with a current code'
complete -c wt -n "__fish_wt_using_subcommand mfa; and not __fish_seen_subcommand_from enroll confirm status disable recovery-codes" -f -a "status" -d 'Show whether MFA is on, and how many recovery codes are left'
complete -c wt -n "__fish_wt_using_subcommand mfa; and not __fish_seen_subcommand_from enroll confirm status disable recovery-codes" -f -a "disable" -d 'Turn MFA off (needs your password and a current code)'
complete -c wt -n "__fish_wt_using_subcommand mfa; and not __fish_seen_subcommand_from enroll confirm status disable recovery-codes" -f -a "recovery-codes" -d 'Replace your recovery codes with a new set (the old set stops working)'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from enroll" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from enroll" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from enroll" -l code-stdin -d 'Read the confirmation code from the first line of stdin (one try)'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from enroll" -l no-confirm -d 'Only start the enrollment and print the secret, URI and expiry; confirm later with `wt mfa confirm`'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from enroll" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from enroll" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from enroll" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from confirm" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from confirm" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from confirm" -l code-stdin -d 'Read the code from the first line of stdin (one try)'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from confirm" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from confirm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from confirm" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from status" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from status" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from status" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from disable" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from disable" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from disable" -l password-stdin -d 'Read the password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from disable" -l code-stdin -d 'Read the current code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from disable" -s y -l yes -d 'Do not ask for confirmation (required with --no-input)'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from disable" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from disable" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from recovery-codes" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from recovery-codes" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from recovery-codes" -l password-stdin -d 'Read the password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from recovery-codes" -l code-stdin -d 'Read the current code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from recovery-codes" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from recovery-codes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand mfa; and __fish_seen_subcommand_from recovery-codes" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand org; and not __fish_seen_subcommand_from show set" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand org; and not __fish_seen_subcommand_from show set" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand org; and not __fish_seen_subcommand_from show set" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand org; and not __fish_seen_subcommand_from show set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand org; and not __fish_seen_subcommand_from show set" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand org; and not __fish_seen_subcommand_from show set" -f -a "show" -d 'Show the settings of your org'
complete -c wt -n "__fish_wt_using_subcommand org; and not __fish_seen_subcommand_from show set" -f -a "set" -d 'Change a setting of your org'
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from show" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from show" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from set" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from set" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from set" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from reset-mfa" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from reset-mfa" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from reset-mfa" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from reset-mfa" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from reset-mfa" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from reset-mfa" -f -a "reset-mfa" -d 'Reset a member\'s MFA (they must enroll again)'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -s y -l yes -d 'Do not ask for confirmation (required with --no-input)'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand daemon; and not __fish_seen_subcommand_from start stop status" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand daemon; and not __fish_seen_subcommand_from start stop status" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand daemon; and not __fish_seen_subcommand_from start stop status" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand daemon; and not __fish_seen_subcommand_from start stop status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand daemon; and not __fish_seen_subcommand_from start stop status" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand daemon; and not __fish_seen_subcommand_from start stop status" -f -a "start" -d 'Start a local wtd in the background'
complete -c wt -n "__fish_wt_using_subcommand daemon; and not __fish_seen_subcommand_from start stop status" -f -a "stop" -d 'Stop the local wtd'
complete -c wt -n "__fish_wt_using_subcommand daemon; and not __fish_seen_subcommand_from start stop status" -f -a "status" -d 'Show whether the local wtd is running and healthy'
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from start" -l data-dir -d 'Data directory [default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower]' -r -F
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from start" -l listen -d 'Address wtd listens on; the health-check URL is derived from it' -r
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from start" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from start" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from start" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l data-dir -d 'Data directory [default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower]' -r -F
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from status" -l data-dir -d 'Data directory [default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower]' -r -F
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from status" -l listen -d 'Address wtd listens on; the health-check URL is derived from it' -r
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from status" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from status" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from status" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand daemon; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand completion" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand completion" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand completion" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand completion" -s V -l version -d 'Print version'
