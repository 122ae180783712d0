# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wtd_global_optspecs
    string join \n data-dir= database-url= database-url-file= database-pool-size= database-pooler= log-format= h/help V/version
end

function __fish_wtd_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wtd_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wtd_using_subcommand
    set -l cmd (__fish_wtd_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wtd -n "__fish_wtd_needs_command" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_needs_command" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_needs_command" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_needs_command" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_needs_command" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_needs_command" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_needs_command" -s V -l version -d 'Print version'
complete -c wtd -n "__fish_wtd_needs_command" -f -a "init" -d 'Create the database, the master key and the first org; print a one-time setup token'
complete -c wtd -n "__fish_wtd_needs_command" -f -a "serve" -d 'Serve the API'
complete -c wtd -n "__fish_wtd_needs_command" -f -a "migrate" -d 'Apply pending database migrations and exit'
complete -c wtd -n "__fish_wtd_needs_command" -f -a "org" -d 'Operator actions on orgs'
complete -c wtd -n "__fish_wtd_needs_command" -f -a "audit" -d 'Operator actions on the audit log'
complete -c wtd -n "__fish_wtd_needs_command" -f -a "backup" -d 'Copy the database to a file, online (the daemon may keep serving)'
complete -c wtd -n "__fish_wtd_needs_command" -f -a "restore" -d 'Replace the database with a backup (stop the daemon first)'
complete -c wtd -n "__fish_wtd_needs_command" -f -a "copy" -d 'Copy a whole installation into another, empty database (SQLite to PostgreSQL)'
complete -c wtd -n "__fish_wtd_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wtd -n "__fish_wtd_using_subcommand init" -l org -d 'Display name of the first org' -r
complete -c wtd -n "__fish_wtd_using_subcommand init" -l owner-email -d 'Email of the owner who will claim the account with the setup token' -r
complete -c wtd -n "__fish_wtd_using_subcommand init" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand init" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_using_subcommand init" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand init" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_using_subcommand init" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_using_subcommand init" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l listen -d 'Address to listen on. Port 0 picks a free port (the address is printed on stdout)' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l tls-cert -d 'PEM certificate chain for TLS' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l tls-key -d 'PEM private key for TLS' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l config -d 'TOML config file. Default: <data-dir>/wtd.toml when it exists' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l public-url -d 'Public base URL of this server (`https://host[:port]`): the base of the web console\'s links in invitation and reset mails, the console\'s expected Origin, and the one host name served besides loopback ones (`localhost`, 127.x, [::1]) and the listener\'s own IP: a request naming another `Host` gets 421 (DNS-rebinding defence; /healthz, /readyz and /metrics answer any). Without it, a loopback listener\'s own address is used for links; elsewhere mails carry the token alone' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l body-limit -d 'Largest request body accepted, in bytes [default: 1048576]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l request-timeout -d 'Longest a request may take, in seconds [default: 30]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l header-timeout -d 'Longest a client may take to send a request\'s headers, in seconds; slower connections are closed (slow-loris protection) [default: 10]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l keepalive-timeout -d 'How long a keep-alive connection may sit idle between requests, in seconds, before it is closed; longer than the proxies usually in front (AWS ALB 60 s) [default: 75]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l console-idle-timeout -d 'Idle timeout of console sessions, in seconds [default: 1800]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l cli-idle-timeout -d 'Idle timeout of CLI sessions, in seconds [default: 43200]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l smtp-url -d 'SMTP relay for outgoing mail: `smtp://[USER@]HOST[:PORT]` upgrades with STARTTLS, which must succeed (`?tls=required`, port 587 by default), except to a loopback host (plain text); `smtps://HOST` is implicit TLS (port 465). Plain text to another host only with `?tls=none` (warned at start; never with a password). Without it, mail is written as .eml files to <data-dir>/outbox/' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l smtp-ca-file -d 'PEM file of the CA certificate(s) that sign the relay\'s certificate (a company CA), trusted for the relay instead of the OS trust store [default: the OS trust store; SSL_CERT_FILE and SSL_CERT_DIR point it elsewhere]' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l smtp-user -d 'SMTP user, when not in --smtp-url' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l smtp-password-file -d 'File holding the SMTP password on its first line (mode 0600), read again for every new connection: a rotated password needs no restart. Or set WT_SMTP_PASSWORD' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l mail-from -d 'From address of outgoing mail [default: WatchTower <noreply@localhost>]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l invite-ttl -d 'How long an invite stays valid, in seconds [default: 259200 (72 h)]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l totp-issuer -d 'Issuer name shown in authenticator apps [default: WatchTower]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l session-lifetime -d 'Absolute lifetime of every session, in seconds [default: 43200]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l trusted-proxy -d 'A reverse proxy (CIDR) whose X-Forwarded-For is believed; repeat for several, or comma-separate in WT_TRUSTED_PROXIES. The client address is the rightmost hop that is not a trusted proxy [default: none: the socket peer is the client]' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l metrics-token-file -d 'File holding the bearer token /metrics requires (one line, at least 32 characters, mode 0600; Prometheus: `authorization: {credentials_file: FILE}`). Without it, /metrics answers only clients on loopback (the socket peer, never X-Forwarded-For)' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_using_subcommand serve" -l insecure-http -d 'Allow plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)'
complete -c wtd -n "__fish_wtd_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_using_subcommand migrate" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand migrate" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_using_subcommand migrate" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand migrate" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_using_subcommand migrate" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_using_subcommand migrate" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_using_subcommand migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_using_subcommand org; and not __fish_seen_subcommand_from create help" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand org; and not __fish_seen_subcommand_from create help" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_using_subcommand org; and not __fish_seen_subcommand_from create help" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand org; and not __fish_seen_subcommand_from create help" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_using_subcommand org; and not __fish_seen_subcommand_from create help" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_using_subcommand org; and not __fish_seen_subcommand_from create help" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_using_subcommand org; and not __fish_seen_subcommand_from create help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_using_subcommand org; and not __fish_seen_subcommand_from create help" -f -a "create" -d 'Add another org with its own one-time owner setup token'
complete -c wtd -n "__fish_wtd_using_subcommand org; and not __fish_seen_subcommand_from create help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from create" -l org -d 'Display name of the first org' -r
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from create" -l owner-email -d 'Email of the owner who will claim the account with the setup token' -r
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from create" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from create" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from create" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from create" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from create" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from create" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "create" -d 'Add another org with its own one-time owner setup token'
complete -c wtd -n "__fish_wtd_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wtd -n "__fish_wtd_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -f -a "verify" -d 'Verify the hash chain of every org\'s audit log (exit 1 if any is broken)'
complete -c wtd -n "__fish_wtd_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wtd -n "__fish_wtd_using_subcommand audit; and __fish_seen_subcommand_from verify" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand audit; and __fish_seen_subcommand_from verify" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_using_subcommand audit; and __fish_seen_subcommand_from verify" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand audit; and __fish_seen_subcommand_from verify" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_using_subcommand audit; and __fish_seen_subcommand_from verify" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_using_subcommand audit; and __fish_seen_subcommand_from verify" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Verify the hash chain of every org\'s audit log (exit 1 if any is broken)'
complete -c wtd -n "__fish_wtd_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wtd -n "__fish_wtd_using_subcommand backup" -l to -d 'Where to write the copy (must not exist)' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand backup" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand backup" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_using_subcommand backup" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand backup" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_using_subcommand backup" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_using_subcommand backup" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_using_subcommand backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_using_subcommand restore" -l from -d 'The backup file to restore' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand restore" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand restore" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_using_subcommand restore" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand restore" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_using_subcommand restore" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_using_subcommand restore" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_using_subcommand restore" -l force -d 'Replace an existing database (everything written since the backup is lost)'
complete -c wtd -n "__fish_wtd_using_subcommand restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_using_subcommand copy" -l from -d 'Source: sqlite:PATH or postgres://... Default: this data directory\'s SQLite file' -r
complete -c wtd -n "__fish_wtd_using_subcommand copy" -l to -d 'Destination: postgres://USER@HOST:PORT/DB (or sqlite:PATH); must hold no data' -r
complete -c wtd -n "__fish_wtd_using_subcommand copy" -l data-dir -d 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand copy" -l database-url -d 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq\'s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory' -r
complete -c wtd -n "__fish_wtd_using_subcommand copy" -l database-url-file -d 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart' -r -F
complete -c wtd -n "__fish_wtd_using_subcommand copy" -l database-pool-size -d 'Connections to PostgreSQL kept by each daemon' -r
complete -c wtd -n "__fish_wtd_using_subcommand copy" -l database-pooler -d 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service\'s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks). Default: none (wtd connects to PostgreSQL itself)' -r -f -a "none\t'wtd connects to PostgreSQL itself'
transaction\t'A pooler in transaction mode (pgbouncer `pool_mode = transaction`)'"
complete -c wtd -n "__fish_wtd_using_subcommand copy" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log shippers'"
complete -c wtd -n "__fish_wtd_using_subcommand copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wtd -n "__fish_wtd_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate org audit backup restore copy help" -f -a "init" -d 'Create the database, the master key and the first org; print a one-time setup token'
complete -c wtd -n "__fish_wtd_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate org audit backup restore copy help" -f -a "serve" -d 'Serve the API'
complete -c wtd -n "__fish_wtd_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate org audit backup restore copy help" -f -a "migrate" -d 'Apply pending database migrations and exit'
complete -c wtd -n "__fish_wtd_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate org audit backup restore copy help" -f -a "org" -d 'Operator actions on orgs'
complete -c wtd -n "__fish_wtd_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate org audit backup restore copy help" -f -a "audit" -d 'Operator actions on the audit log'
complete -c wtd -n "__fish_wtd_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate org audit backup restore copy help" -f -a "backup" -d 'Copy the database to a file, online (the daemon may keep serving)'
complete -c wtd -n "__fish_wtd_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate org audit backup restore copy help" -f -a "restore" -d 'Replace the database with a backup (stop the daemon first)'
complete -c wtd -n "__fish_wtd_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate org audit backup restore copy help" -f -a "copy" -d 'Copy a whole installation into another, empty database (SQLite to PostgreSQL)'
complete -c wtd -n "__fish_wtd_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate org audit backup restore copy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wtd -n "__fish_wtd_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "create" -d 'Add another org with its own one-time owner setup token'
complete -c wtd -n "__fish_wtd_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Verify the hash chain of every org\'s audit log (exit 1 if any is broken)'
