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
complete -c wt -n "__fish_wt_needs_command" -f -a "invite" -d 'Invite people to your org, or accept an invite'
complete -c wt -n "__fish_wt_needs_command" -f -a "members" -d 'Manage the members of your org'
complete -c wt -n "__fish_wt_needs_command" -f -a "sessions" -d 'List or end your own sessions'
complete -c wt -n "__fish_wt_needs_command" -f -a "keys" -d 'Manage the ingestion API keys of your org'
complete -c wt -n "__fish_wt_needs_command" -f -a "allowed-ips" -d 'Manage the networks your org accepts traffic from'
complete -c wt -n "__fish_wt_needs_command" -f -a "audit" -d 'Read, follow, verify and export the audit log'
complete -c wt -n "__fish_wt_needs_command" -f -a "events" -d 'Read and follow ingested events'
complete -c wt -n "__fish_wt_needs_command" -f -a "check" -d 'Check the production readiness checklist (exit 1 when not ready)'
complete -c wt -n "__fish_wt_needs_command" -f -a "token" -d 'Manage automation tokens for CI and scripts (WT_TOKEN)'
complete -c wt -n "__fish_wt_needs_command" -f -a "password" -d 'Change your password, or reset a forgotten one'
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
complete -c wt -n "__fish_wt_using_subcommand login" -l web -d 'Sign in from a browser instead (RFC 8628 device login): prints a URL and a code (and a QR code) to open on any device, approve there, and waits; no password here'
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
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from set" -l password-stdin -d 'If a recent sign-in is needed: read your password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from set" -l code-stdin -d 'If a recent sign-in is needed and MFA is on: read the code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from set" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand org; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand invite; and not __fish_seen_subcommand_from create list resend revoke accept" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand invite; and not __fish_seen_subcommand_from create list resend revoke accept" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand invite; and not __fish_seen_subcommand_from create list resend revoke accept" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand invite; and not __fish_seen_subcommand_from create list resend revoke accept" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand invite; and not __fish_seen_subcommand_from create list resend revoke accept" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand invite; and not __fish_seen_subcommand_from create list resend revoke accept" -f -a "create" -d 'Invite someone (or everyone in a CSV file) to your org'
complete -c wt -n "__fish_wt_using_subcommand invite; and not __fish_seen_subcommand_from create list resend revoke accept" -f -a "list" -d 'List the invites of your org'
complete -c wt -n "__fish_wt_using_subcommand invite; and not __fish_seen_subcommand_from create list resend revoke accept" -f -a "resend" -d 'Mail a pending invite again with a new link'
complete -c wt -n "__fish_wt_using_subcommand invite; and not __fish_seen_subcommand_from create list resend revoke accept" -f -a "revoke" -d 'Revoke an invite (its link stops working)'
complete -c wt -n "__fish_wt_using_subcommand invite; and not __fish_seen_subcommand_from create list resend revoke accept" -f -a "accept" -d 'Accept an invite you received by mail'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from create" -l role -d 'The role the invitee gets' -r -f -a "owner\t''
admin\t''
risk_lead\t''
analyst\t''
viewer\t''"
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from create" -l from-csv -d 'Invite every row of a CSV file (`email,role`; `-` reads stdin)' -r -F
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from create" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from create" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from create" -l password-stdin -d 'If a recent sign-in is needed: read your password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from create" -l code-stdin -d 'If a recent sign-in is needed and MFA is on: read the code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from create" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from list" -l status -d 'Only invites with this status' -r -f -a "pending\t''
accepted\t''
expired\t''
revoked\t''"
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from list" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from list" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from resend" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from resend" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from resend" -l password-stdin -d 'If a recent sign-in is needed: read your password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from resend" -l code-stdin -d 'If a recent sign-in is needed and MFA is on: read the code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from resend" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from resend" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from resend" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from revoke" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from revoke" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from revoke" -s y -l yes -d 'Do not ask for confirmation (required with --no-input)'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from revoke" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from accept" -l name -d 'Your name, for a new account (prompted when needed; required then with --no-input)' -r
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from accept" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from accept" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from accept" -l token-stdin -d 'Read the invite token (or link) from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from accept" -l password-stdin -d 'Read the new account\'s password from stdin (line 2 with --token-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from accept" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from accept" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand invite; and __fish_seen_subcommand_from accept" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from list set-role remove reset-mfa review" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from list set-role remove reset-mfa review" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from list set-role remove reset-mfa review" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from list set-role remove reset-mfa review" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from list set-role remove reset-mfa review" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from list set-role remove reset-mfa review" -f -a "list" -d 'List the members of your org'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from list set-role remove reset-mfa review" -f -a "set-role" -d 'Change a member\'s role'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from list set-role remove reset-mfa review" -f -a "remove" -d 'Remove a member from your org'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from list set-role remove reset-mfa review" -f -a "reset-mfa" -d 'Reset a member\'s MFA (they must enroll again)'
complete -c wt -n "__fish_wt_using_subcommand members; and not __fish_seen_subcommand_from list set-role remove reset-mfa review" -f -a "review" -d 'Record a review of the members\' roles'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from list" -l limit -d 'Show at most N (the first page); more are hinted on stderr' -r
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from list" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from list" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from list" -l all -d 'Show every one (fetches every page; for scripts that need the whole list)'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from set-role" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from set-role" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from set-role" -l password-stdin -d 'If a recent sign-in is needed: read your password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from set-role" -l code-stdin -d 'If a recent sign-in is needed and MFA is on: read the code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from set-role" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from set-role" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from set-role" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from remove" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from remove" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Do not ask for confirmation (required with --no-input)'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from remove" -l password-stdin -d 'If a recent sign-in is needed: read your password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from remove" -l code-stdin -d 'If a recent sign-in is needed and MFA is on: read the code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from remove" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -s y -l yes -d 'Do not ask for confirmation (required with --no-input)'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -l password-stdin -d 'If a recent sign-in is needed: read your password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -l code-stdin -d 'If a recent sign-in is needed and MFA is on: read the code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from reset-mfa" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from review" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from review" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from review" -s y -l yes -d 'Record the review without showing the list and asking (required with --no-input)'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from review" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from review" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand members; and __fish_seen_subcommand_from review" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke" -f -a "list" -d 'List your live sessions'
complete -c wt -n "__fish_wt_using_subcommand sessions; and not __fish_seen_subcommand_from list revoke" -f -a "revoke" -d 'End one of your sessions'
complete -c wt -n "__fish_wt_using_subcommand sessions; and __fish_seen_subcommand_from list" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand sessions; and __fish_seen_subcommand_from list" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand sessions; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand sessions; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand sessions; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand sessions; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -f -a "create" -d 'Create an ingestion API key (the secret is printed once)'
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -f -a "list" -d 'List the ingestion API keys of your org'
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -f -a "show" -d 'Show an ingestion API key and where it was used from'
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -f -a "rotate" -d 'Rotate an ingestion API key (new secret printed once; old key ends after --grace)'
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -f -a "revoke" -d 'Revoke an ingestion API key (it stops working at once)'
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -f -a "update" -d 'Change the name, owner, allowed CIDRs or rate limit of an ingestion API key'
complete -c wt -n "__fish_wt_using_subcommand keys; and not __fish_seen_subcommand_from create list show rotate revoke update leaked" -f -a "leaked" -d 'A key leaked: revoke it now, replace it, print the new secret (secrets on stdin)'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from create" -l env -d 'The environment the key is for' -r -f -a "sandbox\t'Test traffic; secrets start `wtk_test_`'
production\t'Live traffic; secrets start `wtk_live_`'"
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from create" -l name -d 'A name saying what uses the key (e.g. billing-prod)' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from create" -l owner -d 'Email of the member responsible for rotating the key' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from create" -l allow -d 'A source network the key may be used from (repeat for several)' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from create" -l expires -d 'When the key stops working: RFC 3339 or a duration from now (30m, 24h, 90d)' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from create" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from create" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from create" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from list" -l env -d 'Only keys of this environment' -r -f -a "sandbox\t'Test traffic; secrets start `wtk_test_`'
production\t'Live traffic; secrets start `wtk_live_`'"
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from list" -l status -d 'Only keys with this status' -r -f -a "active\t'Valid, no rotation pending'
rotating\t'Replaced by a rotation, still valid until its grace period ends'
expired\t'Past its expiry or its rotation grace period'
revoked\t'Revoked'"
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from list" -l limit -d 'Show at most N (the first page); more are hinted on stderr' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from list" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from list" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from list" -l all -d 'Show every one (fetches every page; for scripts that need the whole list)'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from show" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from show" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l grace -d 'How long the old key keeps working: 0 (stop now) or a duration (2s, 15m, 24h, 7d)' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from rotate" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from revoke" -s y -l yes -d 'Do not ask for confirmation (required with --no-input)'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -l name -d 'A new name' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -l owner -d 'Email of the new owner (the member responsible for rotating the key)' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -l allow -d 'Replace the allowed source networks with these (repeat for several)' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -l rate -d 'The key\'s rate limit: COUNT/UNIT (500/s, 30000/min, 100/h), or `none`' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -l burst -d 'Requests the key may send at once (with --rate; default: COUNT)' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -l clear-allow -d 'Remove every allowed source network (the org\'s allowed IPs still apply)'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -l release -d 'Lift the key\'s quarantine (a leak report that was a false positive)'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from update" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from leaked" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from leaked" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from leaked" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from leaked" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand keys; and __fish_seen_subcommand_from leaked" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and not __fish_seen_subcommand_from list add remove check" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and not __fish_seen_subcommand_from list add remove check" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and not __fish_seen_subcommand_from list add remove check" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and not __fish_seen_subcommand_from list add remove check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and not __fish_seen_subcommand_from list add remove check" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and not __fish_seen_subcommand_from list add remove check" -f -a "list" -d 'List the allowed IPs of your org'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and not __fish_seen_subcommand_from list add remove check" -f -a "add" -d 'Allow a network (CIDR) to reach your org'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and not __fish_seen_subcommand_from list add remove check" -f -a "remove" -d 'Remove a network from your org\'s allowed IPs (by id or CIDR)'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and not __fish_seen_subcommand_from list add remove check" -f -a "check" -d 'Check who an allowed-IP list would cut off (exit 1 if anyone)'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from list" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from list" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from add" -l note -d 'What the network is (shown in `wt allowed-ips list`)' -r
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from add" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from add" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from add" -l force -d 'Apply even though the new list would refuse your own current address'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from add" -l password-stdin -d 'If a recent sign-in is needed: read your password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from add" -l code-stdin -d 'If a recent sign-in is needed and MFA is on: read the code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from add" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from remove" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from remove" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from remove" -l force -d 'Apply even though the list without it would refuse your own current address'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Do not ask for confirmation (required with --no-input)'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from remove" -l password-stdin -d 'If a recent sign-in is needed: read your password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from remove" -l code-stdin -d 'If a recent sign-in is needed and MFA is on: read the code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from remove" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from check" -l proposed -d 'Check the list in FILE (one CIDR per line, `#` comments; `-` reads stdin) instead of the current one' -r -F
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from check" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from check" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from check" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand allowed-ips; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -f -a "list" -d 'List audit log entries, newest first'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -f -a "tail" -d 'Show the latest audit entries; --follow streams new ones'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -f -a "verify" -d 'Verify the hash chain of the audit log'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -f -a "review" -d 'Record a review of the audit log'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -f -a "export" -d 'Export the audit log as JSON lines or CSV'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -f -a "pubkey" -d 'Print the public key that verifies the audit log\'s checkpoints'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -f -a "checkpoint" -d 'Save a signed checkpoint of the audit log (for auditors)'
complete -c wt -n "__fish_wt_using_subcommand audit; and not __fish_seen_subcommand_from list tail verify review export pubkey checkpoint sinks" -f -a "sinks" -d 'Stream the audit log to a SIEM (webhook or syslog)'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l action -d 'Only this action; a trailing `*` matches a prefix (`auth.*`, `api_key.*`)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l actor -d 'Only entries by this actor (email or user id)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l target -d 'Only entries about this target (its id)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l outcome -d 'Only entries with this outcome' -r -f -a "success\t''
failure\t''
denied\t''"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l since -d 'Only entries at or after T: RFC 3339 (2026-01-01T00:00:00Z) or a duration ago (30s, 15m, 2h, 7d)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l until -d 'Only entries before T: RFC 3339 or a duration ago (30s, 15m, 2h, 7d)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l limit -d 'Entries per page, 1 to 1000 [default: the server\'s, 50]' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l cursor -d 'Start at this page (the cursor hinted by an earlier `wt audit list`, same filters)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l all -d 'Fetch every page (following the cursor), printing each as it arrives'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l unreviewed -d 'Only entries not yet covered by a review (`wt audit review`)'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -l action -d 'Only this action; a trailing `*` matches a prefix (`auth.*`, `api_key.*`)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -l actor -d 'Only entries by this actor (email or user id)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -l target -d 'Only entries about this target (its id)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -l outcome -d 'Only entries with this outcome' -r -f -a "success\t''
failure\t''
denied\t''"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -s n -l lines -d 'How many of the latest entries to print first, 0 to 1000' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -s f -l follow -d 'Keep running and print new entries as they are written (Ctrl-C to stop)'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from tail" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from verify" -l checkpoint -d 'A checkpoint saved with `wt audit checkpoint save`: prove, with the public key, that today\'s log extends it and that every entry is in the tree (exit 10 if not)' -r -F
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from verify" -l key -d 'A verifier key (`<origin>+<key id>+<base64>`, as `wt audit pubkey` prints); repeat for a rotated key\'s predecessor' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from verify" -l key-file -d 'A file of verifier keys, one a line, or `wt audit pubkey --output json`\'s list (`wt audit pubkey > FILE` writes either)' -r -F
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from verify" -l jobs -d 'Threads the server hashes the chain with (1 to 64; at most its cores)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from verify" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from verify" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from verify" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from review" -l through -d 'The last entry you reviewed [default: the latest entry]' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from review" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from review" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from review" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from review" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from review" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l format -d 'Output format' -r -f -a "jsonl\t'One JSON object per line'
csv\t'RFC 4180 CSV with a header line, formulas neutralised for spreadsheets'"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l action -d 'Only this action; a trailing `*` matches a prefix (`auth.*`, `api_key.*`)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l actor -d 'Only entries by this actor (email or user id)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l target -d 'Only entries about this target (its id)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l outcome -d 'Only entries with this outcome' -r -f -a "success\t''
failure\t''
denied\t''"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l since -d 'Only entries at or after T: RFC 3339 (2026-01-01T00:00:00Z) or a duration ago (30s, 15m, 2h, 7d)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l until -d 'Only entries before T: RFC 3339 or a duration ago (30s, 15m, 2h, 7d)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l after -d 'Start after this sequence number (to resume: the last seq you already have)' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l output-file -d 'Write to FILE instead of stdout' -r -F
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l append -d 'Append to --output-file instead of replacing it (CSV: no header when not empty)'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from pubkey" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from pubkey" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from pubkey" -l all -d 'Every key, retired ones included (one a line, the active one first)'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from pubkey" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from pubkey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from pubkey" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -f -a "save" -d 'Fetch the latest signed checkpoint, check its signature and write it to FILE'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -f -a "add" -d 'Add a sink (a webhook URL, or tls:// or tcp:// for syslog)'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -f -a "list" -d 'List the sinks with how far behind each is'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -f -a "test" -d 'Send a test message to a sink now'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -f -a "pause" -d 'Stop delivering to a sink (entries wait; nothing is skipped)'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -f -a "resume" -d 'Resume delivering to a sink from the last entry it accepted'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -f -a "rotate-secret" -d 'Give a webhook sink a new signing secret (the old one still signs for --overlap)'
complete -c wt -n "__fish_wt_using_subcommand audit; and __fish_seen_subcommand_from sinks" -f -a "remove" -d 'Remove a sink'
complete -c wt -n "__fish_wt_using_subcommand events; and not __fish_seen_subcommand_from list tail" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand events; and not __fish_seen_subcommand_from list tail" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand events; and not __fish_seen_subcommand_from list tail" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand events; and not __fish_seen_subcommand_from list tail" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand events; and not __fish_seen_subcommand_from list tail" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand events; and not __fish_seen_subcommand_from list tail" -f -a "list" -d 'List ingested events after a cursor'
complete -c wt -n "__fish_wt_using_subcommand events; and not __fish_seen_subcommand_from list tail" -f -a "tail" -d 'Show the newest ingested events; --follow streams new ones'
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from list" -l after -d 'Only events with a seq after this one (0: from the oldest kept)' -r
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from list" -l limit -d 'How many events at most, 1 to 1000' -r
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from list" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from list" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from tail" -s n -l lines -d 'How many of the newest events to print first, 0 to 1000' -r
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from tail" -l after -d 'Start after this seq instead (resume a consumer), printing everything after it' -r
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from tail" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from tail" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from tail" -s f -l follow -d 'Keep running and print new events as they are stored (Ctrl-C to stop)'
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from tail" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from tail" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand events; and __fish_seen_subcommand_from tail" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand check" -l format -d 'Report format [default: table on a terminal, json otherwise, as --output]' -r -f -a "table\t'Human-readable table'
json\t'The Readiness object (selection applied)'
junit\t'JUnit XML, one test case per check'"
complete -c wt -n "__fish_wt_using_subcommand check" -l only -d 'Run only these checks (comma-separated ids, e.g. mfa,key_owners)' -r
complete -c wt -n "__fish_wt_using_subcommand check" -l skip -d 'Leave out these checks (comma-separated ids)' -r
complete -c wt -n "__fish_wt_using_subcommand check" -l fail-on -d 'The lowest status that makes the org not ready (exit 1)' -r -f -a "warn\t'Not ready when a check warns or fails'
fail\t'Not ready when a check fails'"
complete -c wt -n "__fish_wt_using_subcommand check" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand check" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand check" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand check" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand token; and not __fish_seen_subcommand_from create list revoke" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand token; and not __fish_seen_subcommand_from create list revoke" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand token; and not __fish_seen_subcommand_from create list revoke" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand token; and not __fish_seen_subcommand_from create list revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand token; and not __fish_seen_subcommand_from create list revoke" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand token; and not __fish_seen_subcommand_from create list revoke" -f -a "create" -d 'Create an automation token (the secret is printed once)'
complete -c wt -n "__fish_wt_using_subcommand token; and not __fish_seen_subcommand_from create list revoke" -f -a "list" -d 'List the automation tokens of your org'
complete -c wt -n "__fish_wt_using_subcommand token; and not __fish_seen_subcommand_from create list revoke" -f -a "revoke" -d 'Revoke an automation token (it stops working at once)'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -l name -d 'A name saying what uses the token (e.g. ci-readiness)' -r
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -l role -d 'The role the token acts with (at most your own)' -r -f -a "owner\t''
admin\t''
risk_lead\t''
analyst\t''
viewer\t''"
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -l expires -d 'When the token stops working: RFC 3339 or a duration from now (30m, 24h, 90d)' -r
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -l scope -d 'A service endpoint the token may call (repeatable): keys:verify, events:read, audit:read, readiness:read' -r
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -l password-stdin -d 'If a recent sign-in is needed: read your password from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -l code-stdin -d 'If a recent sign-in is needed and MFA is on: read the code from stdin (line 2 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from list" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from list" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from revoke" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from revoke" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from revoke" -s y -l yes -d 'Do not ask for confirmation (required with --no-input)'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from revoke" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand token; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand password; and not __fish_seen_subcommand_from change forgot reset" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand password; and not __fish_seen_subcommand_from change forgot reset" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand password; and not __fish_seen_subcommand_from change forgot reset" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand password; and not __fish_seen_subcommand_from change forgot reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand password; and not __fish_seen_subcommand_from change forgot reset" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand password; and not __fish_seen_subcommand_from change forgot reset" -f -a "change" -d 'Change your password'
complete -c wt -n "__fish_wt_using_subcommand password; and not __fish_seen_subcommand_from change forgot reset" -f -a "forgot" -d 'Mail a password reset link'
complete -c wt -n "__fish_wt_using_subcommand password; and not __fish_seen_subcommand_from change forgot reset" -f -a "reset" -d 'Set a new password with the link from a reset mail'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from change" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from change" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from change" -l password-stdin -d 'Read the current password (line 1) and the new one (line 2) from stdin'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from change" -l code-stdin -d 'Read a TOTP code from stdin (line 3 with --password-stdin, else line 1)'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from change" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from change" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from change" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from forgot" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from forgot" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from forgot" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from forgot" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from forgot" -s V -l version -d 'Print version'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from reset" -l server -d 'URL of the WatchTower daemon' -r
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from reset" -l output -d 'Output format [default: table on a terminal, json otherwise]' -r -f -a "table\t'Human-readable table'
json\t'Pretty-printed JSON with stable field names'"
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from reset" -l token-stdin -d 'Read the reset token (or link) from the first line of stdin'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from reset" -l password-stdin -d 'Read the new password from stdin (the line after the token)'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from reset" -l code-stdin -d 'With MFA on, read a TOTP code from stdin (the line after the password)'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from reset" -l recovery-code-stdin -d 'With MFA on, read a one-time recovery code from stdin (the line after the password)'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from reset" -l no-input -d 'Never prompt; fail with a message naming the flag to use instead'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wt -n "__fish_wt_using_subcommand password; and __fish_seen_subcommand_from reset" -s V -l version -d 'Print version'
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
