
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'wtd' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'wtd'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'wtd' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the database, the master key and the first org; print a one-time setup token')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the API')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply pending database migrations and exit')
            [CompletionResult]::new('org', 'org', [CompletionResultType]::ParameterValue, 'Operator actions on orgs')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Operator actions on the audit log')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Copy the database to a file, online (the daemon may keep serving)')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Replace the database with a backup (stop the daemon first)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy a whole installation into another, empty database (SQLite to PostgreSQL)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wtd;init' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Display name of the first org')
            [CompletionResult]::new('--owner-email', '--owner-email', [CompletionResultType]::ParameterName, 'Email of the owner who will claim the account with the setup token')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wtd;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on. Port 0 picks a free port (the address is printed on stdout)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain for TLS')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key for TLS')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'TOML config file. Default: <data-dir>/wtd.toml when it exists')
            [CompletionResult]::new('--public-url', '--public-url', [CompletionResultType]::ParameterName, 'Public base URL of this server (`https://host[:port]`): the base of the web console''s links in invitation and reset mails, the console''s expected Origin, and the one host name served besides loopback ones (`localhost`, 127.x, [::1]) and the listener''s own IP: a request naming another `Host` gets 421 (DNS-rebinding defence; /healthz, /readyz and /metrics answer any). Without it, a loopback listener''s own address is used for links; elsewhere mails carry the token alone')
            [CompletionResult]::new('--body-limit', '--body-limit', [CompletionResultType]::ParameterName, 'Largest request body accepted, in bytes [default: 1048576]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Longest a request may take, in seconds [default: 30]')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'Longest a client may take to send a request''s headers, in seconds; slower connections are closed (slow-loris protection) [default: 10]')
            [CompletionResult]::new('--keepalive-timeout', '--keepalive-timeout', [CompletionResultType]::ParameterName, 'How long a keep-alive connection may sit idle between requests, in seconds, before it is closed; longer than the proxies usually in front (AWS ALB 60 s) [default: 75]')
            [CompletionResult]::new('--console-idle-timeout', '--console-idle-timeout', [CompletionResultType]::ParameterName, 'Idle timeout of console sessions, in seconds [default: 1800]')
            [CompletionResult]::new('--cli-idle-timeout', '--cli-idle-timeout', [CompletionResultType]::ParameterName, 'Idle timeout of CLI sessions, in seconds [default: 43200]')
            [CompletionResult]::new('--smtp-url', '--smtp-url', [CompletionResultType]::ParameterName, 'SMTP relay for outgoing mail: `smtp://[USER@]HOST[:PORT]` upgrades with STARTTLS, which must succeed (`?tls=required`, port 587 by default), except to a loopback host (plain text); `smtps://HOST` is implicit TLS (port 465). Plain text to another host only with `?tls=none` (warned at start; never with a password). Without it, mail is written as .eml files to <data-dir>/outbox/')
            [CompletionResult]::new('--smtp-ca-file', '--smtp-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA certificate(s) that sign the relay''s certificate (a company CA), trusted for the relay instead of the OS trust store [default: the OS trust store; SSL_CERT_FILE and SSL_CERT_DIR point it elsewhere]')
            [CompletionResult]::new('--smtp-user', '--smtp-user', [CompletionResultType]::ParameterName, 'SMTP user, when not in --smtp-url')
            [CompletionResult]::new('--smtp-password-file', '--smtp-password-file', [CompletionResultType]::ParameterName, 'File holding the SMTP password on its first line (mode 0600), read again for every new connection: a rotated password needs no restart. Or set WT_SMTP_PASSWORD')
            [CompletionResult]::new('--mail-from', '--mail-from', [CompletionResultType]::ParameterName, 'From address of outgoing mail [default: WatchTower <noreply@localhost>]')
            [CompletionResult]::new('--invite-ttl', '--invite-ttl', [CompletionResultType]::ParameterName, 'How long an invite stays valid, in seconds [default: 259200 (72 h)]')
            [CompletionResult]::new('--event-retention', '--event-retention', [CompletionResultType]::ParameterName, 'How long ingested events are kept (e.g. 7d, 36h), unless an org sets its own (`wt org set event-retention`); older ones are pruned in small batches, 1 h to 3650 d [default: 7d]')
            [CompletionResult]::new('--event-prune-interval', '--event-prune-interval', [CompletionResultType]::ParameterName, 'How often the prune task counts new events (storage per org) and deletes expired ones, in batches of 1,000 [default: 60s]')
            [CompletionResult]::new('--checkpoint-every-entries', '--checkpoint-every-entries', [CompletionResultType]::ParameterName, 'Sign a checkpoint of each org''s audit log after this many new entries (`wt audit checkpoint`) [default: 1000]')
            [CompletionResult]::new('--checkpoint-every', '--checkpoint-every', [CompletionResultType]::ParameterName, '...or after this long (e.g. 10m, 1h) when the log grew at all [default: 10m]')
            [CompletionResult]::new('--audit-sink-poll', '--audit-sink-poll', [CompletionResultType]::ParameterName, 'How often the audit sink task looks for entries to stream (`wt audit sinks`) [default: 1s]')
            [CompletionResult]::new('--audit-sink-lease', '--audit-sink-lease', [CompletionResultType]::ParameterName, 'How long a daemon''s claim on a sink lasts without progress: another daemon (or this one restarted) takes over a dead daemon''s sinks after it [default: 30s]')
            [CompletionResult]::new('--audit-sink-backoff-min', '--audit-sink-backoff-min', [CompletionResultType]::ParameterName, 'First wait after a failed delivery to a sink; doubles per failure, with jitter [default: 2s]')
            [CompletionResult]::new('--audit-sink-backoff-max', '--audit-sink-backoff-max', [CompletionResultType]::ParameterName, 'Longest wait between attempts to deliver to a failing sink [default: 5m]')
            [CompletionResult]::new('--totp-issuer', '--totp-issuer', [CompletionResultType]::ParameterName, 'Issuer name shown in authenticator apps [default: WatchTower]')
            [CompletionResult]::new('--session-lifetime', '--session-lifetime', [CompletionResultType]::ParameterName, 'Absolute lifetime of every session, in seconds [default: 43200]')
            [CompletionResult]::new('--trusted-proxy', '--trusted-proxy', [CompletionResultType]::ParameterName, 'A reverse proxy (CIDR) whose X-Forwarded-For is believed; repeat for several, or comma-separate in WT_TRUSTED_PROXIES. The client address is the rightmost hop that is not a trusted proxy [default: none: the socket peer is the client]')
            [CompletionResult]::new('--metrics-token-file', '--metrics-token-file', [CompletionResultType]::ParameterName, 'File holding the bearer token /metrics requires (one line, at least 32 characters, mode 0600; Prometheus: `authorization: {credentials_file: FILE}`). Without it, /metrics answers only clients on loopback (the socket peer, never X-Forwarded-For)')
            [CompletionResult]::new('--secret-scanning-keys', '--secret-scanning-keys', [CompletionResultType]::ParameterName, 'File with the public keys of the secret-scanning partner (GitHub) that signs leak reports to POST /api/v1/leaks/github: GitHub''s published JSON document (https://api.github.com/meta/public_keys/secret_scanning), or PEM blocks each after a `# key_identifier: ID` line. Without it, the endpoint answers 404. Keys are read at start (restart to pick up a new one); nothing is fetched')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('--insecure-http', '--insecure-http', [CompletionResultType]::ParameterName, 'Allow plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wtd;migrate' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wtd;org' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Add another org with its own one-time owner setup token')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wtd;org;create' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Display name of the first org')
            [CompletionResult]::new('--owner-email', '--owner-email', [CompletionResultType]::ParameterName, 'Email of the owner who will claim the account with the setup token')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wtd;org;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Add another org with its own one-time owner setup token')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wtd;org;help;create' {
            break
        }
        'wtd;org;help;help' {
            break
        }
        'wtd;audit' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify the hash chain of every org''s audit log (exit 1 if any is broken)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wtd;audit;verify' {
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Threads to hash with (the result is the same for any number)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wtd;audit;help' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify the hash chain of every org''s audit log (exit 1 if any is broken)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wtd;audit;help;verify' {
            break
        }
        'wtd;audit;help;help' {
            break
        }
        'wtd;backup' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Where to write the copy (must not exist)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wtd;restore' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The backup file to restore')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing database (everything written since the backup is lost)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wtd;copy' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Source: sqlite:PATH or postgres://... Default: this data directory''s SQLite file')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Destination: postgres://USER@HOST:PORT/DB (or sqlite:PATH); must hold no data')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart')
            [CompletionResult]::new('--database-pool-size', '--database-pool-size', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept by each daemon at most')
            [CompletionResult]::new('--database-pool-min', '--database-pool-min', [CompletionResultType]::ParameterName, 'Connections to PostgreSQL kept open even when idle')
            [CompletionResult]::new('--database-acquire-timeout', '--database-acquire-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it')
            [CompletionResult]::new('--database-max-lifetime', '--database-max-lifetime', [CompletionResultType]::ParameterName, 'Database connections are closed and replaced after this long')
            [CompletionResult]::new('--database-idle-timeout', '--database-idle-timeout', [CompletionResultType]::ParameterName, 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)')
            [CompletionResult]::new('--database-statement-timeout', '--database-statement-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout')
            [CompletionResult]::new('--database-lock-timeout', '--database-lock-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request')
            [CompletionResult]::new('--database-idle-in-transaction-timeout', '--database-idle-in-transaction-timeout', [CompletionResultType]::ParameterName, 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks')
            [CompletionResult]::new('--database-pooler', '--database-pooler', [CompletionResultType]::ParameterName, 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wtd;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the database, the master key and the first org; print a one-time setup token')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the API')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply pending database migrations and exit')
            [CompletionResult]::new('org', 'org', [CompletionResultType]::ParameterValue, 'Operator actions on orgs')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Operator actions on the audit log')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Copy the database to a file, online (the daemon may keep serving)')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Replace the database with a backup (stop the daemon first)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy a whole installation into another, empty database (SQLite to PostgreSQL)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wtd;help;init' {
            break
        }
        'wtd;help;serve' {
            break
        }
        'wtd;help;migrate' {
            break
        }
        'wtd;help;org' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Add another org with its own one-time owner setup token')
            break
        }
        'wtd;help;org;create' {
            break
        }
        'wtd;help;audit' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify the hash chain of every org''s audit log (exit 1 if any is broken)')
            break
        }
        'wtd;help;audit;verify' {
            break
        }
        'wtd;help;backup' {
            break
        }
        'wtd;help;restore' {
            break
        }
        'wtd;help;copy' {
            break
        }
        'wtd;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
