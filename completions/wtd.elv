
use builtin;
use str;

set edit:completion:arg-completer[wtd] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'wtd'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'wtd'= {
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create the database, the master key and the first org; print a one-time setup token'
            cand serve 'Serve the API'
            cand migrate 'Apply pending database migrations and exit'
            cand org 'Operator actions on orgs'
            cand audit 'Operator actions on the audit log'
            cand backup 'Copy the database to a file, online (the daemon may keep serving)'
            cand restore 'Replace the database with a backup (stop the daemon first)'
            cand copy 'Copy a whole installation into another, empty database (SQLite to PostgreSQL)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wtd;init'= {
            cand --org 'Display name of the first org'
            cand --owner-email 'Email of the owner who will claim the account with the setup token'
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wtd;serve'= {
            cand --listen 'Address to listen on. Port 0 picks a free port (the address is printed on stdout)'
            cand --tls-cert 'PEM certificate chain for TLS'
            cand --tls-key 'PEM private key for TLS'
            cand --config 'TOML config file. Default: <data-dir>/wtd.toml when it exists'
            cand --public-url 'Public base URL of this server (`https://host[:port]`): the base of the web console''s links in invitation and reset mails, the console''s expected Origin, and the one host name served besides loopback ones (`localhost`, 127.x, [::1]) and the listener''s own IP: a request naming another `Host` gets 421 (DNS-rebinding defence; /healthz, /readyz and /metrics answer any). Without it, a loopback listener''s own address is used for links; elsewhere mails carry the token alone'
            cand --body-limit 'Largest request body accepted, in bytes [default: 1048576]'
            cand --request-timeout 'Longest a request may take, in seconds [default: 30]'
            cand --header-timeout 'Longest a client may take to send a request''s headers, in seconds; slower connections are closed (slow-loris protection) [default: 10]'
            cand --keepalive-timeout 'How long a keep-alive connection may sit idle between requests, in seconds, before it is closed; longer than the proxies usually in front (AWS ALB 60 s) [default: 75]'
            cand --console-idle-timeout 'Idle timeout of console sessions, in seconds [default: 1800]'
            cand --cli-idle-timeout 'Idle timeout of CLI sessions, in seconds [default: 43200]'
            cand --smtp-url 'SMTP relay for outgoing mail: `smtp://[USER@]HOST[:PORT]` upgrades with STARTTLS, which must succeed (`?tls=required`, port 587 by default), except to a loopback host (plain text); `smtps://HOST` is implicit TLS (port 465). Plain text to another host only with `?tls=none` (warned at start; never with a password). Without it, mail is written as .eml files to <data-dir>/outbox/'
            cand --smtp-ca-file 'PEM file of the CA certificate(s) that sign the relay''s certificate (a company CA), trusted for the relay instead of the OS trust store [default: the OS trust store; SSL_CERT_FILE and SSL_CERT_DIR point it elsewhere]'
            cand --smtp-user 'SMTP user, when not in --smtp-url'
            cand --smtp-password-file 'File holding the SMTP password on its first line (mode 0600), read again for every new connection: a rotated password needs no restart. Or set WT_SMTP_PASSWORD'
            cand --mail-from 'From address of outgoing mail [default: WatchTower <noreply@localhost>]'
            cand --invite-ttl 'How long an invite stays valid, in seconds [default: 259200 (72 h)]'
            cand --event-retention 'How long ingested events are kept (e.g. 7d, 36h), unless an org sets its own (`wt org set event-retention`); older ones are pruned in small batches, 1 h to 3650 d [default: 7d]'
            cand --event-prune-interval 'How often the prune task counts new events (storage per org) and deletes expired ones, in batches of 1,000 [default: 60s]'
            cand --checkpoint-every-entries 'Sign a checkpoint of each org''s audit log after this many new entries (`wt audit checkpoint`) [default: 1000]'
            cand --checkpoint-every '...or after this long (e.g. 10m, 1h) when the log grew at all [default: 10m]'
            cand --audit-sink-poll 'How often the audit sink task looks for entries to stream (`wt audit sinks`) [default: 1s]'
            cand --audit-sink-lease 'How long a daemon''s claim on a sink lasts without progress: another daemon (or this one restarted) takes over a dead daemon''s sinks after it [default: 30s]'
            cand --audit-sink-backoff-min 'First wait after a failed delivery to a sink; doubles per failure, with jitter [default: 2s]'
            cand --audit-sink-backoff-max 'Longest wait between attempts to deliver to a failing sink [default: 5m]'
            cand --totp-issuer 'Issuer name shown in authenticator apps [default: WatchTower]'
            cand --session-lifetime 'Absolute lifetime of every session, in seconds [default: 43200]'
            cand --trusted-proxy 'A reverse proxy (CIDR) whose X-Forwarded-For is believed; repeat for several, or comma-separate in WT_TRUSTED_PROXIES. The client address is the rightmost hop that is not a trusted proxy [default: none: the socket peer is the client]'
            cand --metrics-token-file 'File holding the bearer token /metrics requires (one line, at least 32 characters, mode 0600; Prometheus: `authorization: {credentials_file: FILE}`). Without it, /metrics answers only clients on loopback (the socket peer, never X-Forwarded-For)'
            cand --secret-scanning-keys 'File with the public keys of the secret-scanning partner (GitHub) that signs leak reports to POST /api/v1/leaks/github: GitHub''s published JSON document (https://api.github.com/meta/public_keys/secret_scanning), or PEM blocks each after a `# key_identifier: ID` line. Without it, the endpoint answers 404. Keys are read at start (restart to pick up a new one); nothing is fetched'
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand --insecure-http 'Allow plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wtd;migrate'= {
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wtd;org'= {
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand create 'Add another org with its own one-time owner setup token'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wtd;org;create'= {
            cand --org 'Display name of the first org'
            cand --owner-email 'Email of the owner who will claim the account with the setup token'
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wtd;org;help'= {
            cand create 'Add another org with its own one-time owner setup token'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wtd;org;help;create'= {
        }
        &'wtd;org;help;help'= {
        }
        &'wtd;audit'= {
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand verify 'Verify the hash chain of every org''s audit log (exit 1 if any is broken)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wtd;audit;verify'= {
            cand --jobs 'Threads to hash with (the result is the same for any number)'
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wtd;audit;help'= {
            cand verify 'Verify the hash chain of every org''s audit log (exit 1 if any is broken)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wtd;audit;help;verify'= {
        }
        &'wtd;audit;help;help'= {
        }
        &'wtd;backup'= {
            cand --to 'Where to write the copy (must not exist)'
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wtd;restore'= {
            cand --from 'The backup file to restore'
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand --force 'Replace an existing database (everything written since the backup is lost)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wtd;copy'= {
            cand --from 'Source: sqlite:PATH or postgres://... Default: this data directory''s SQLite file'
            cand --to 'Destination: postgres://USER@HOST:PORT/DB (or sqlite:PATH); must hold no data'
            cand --data-dir 'Data directory (database, master key, outbox, logs). Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower'
            cand --database-url 'PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with libpq''s sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert (FILE or system), sslcert, sslkey and passfile parameters. The password: in PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better not in this flag, which other users see in `ps`. Default: the embedded SQLite file in the data directory (or database_url in wtd.toml). Every replica also needs the same master key file in its data directory'
            cand --database-url-file 'File holding the --database-url (one line; mode 0600 when it holds a password). Read again, for its password, by every new connection: a rotated password needs no restart'
            cand --database-pool-size 'Connections to PostgreSQL kept by each daemon at most'
            cand --database-pool-min 'Connections to PostgreSQL kept open even when idle'
            cand --database-acquire-timeout 'How long a request waits for a database connection (every one busy, or the server restarting) before it is answered 503 with Retry-After; a shorter restart is only a wait. /readyz fails when no connection comes within it'
            cand --database-max-lifetime 'Database connections are closed and replaced after this long'
            cand --database-idle-timeout 'Idle database connections above --database-pool-min are closed after this long (giving a role''s connection limit back to busier replicas)'
            cand --database-statement-timeout 'PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout): the request gets 503 and its transaction is rolled back. With --database-acquire-timeout it must stay under two thirds of --request-timeout'
            cand --database-lock-timeout 'PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table locked by someone else is a quick 503, not a hung request'
            cand --database-idle-in-transaction-timeout 'PostgreSQL ends a session left inside a transaction this long (idle_in_transaction_session_timeout), releasing its locks'
            cand --database-pooler 'A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in transaction mode (or a managed service''s transaction pooler); nothing then outlives a transaction (no named prepared statements, session settings or session locks; set the database timeouts on the role instead: ALTER ROLE ... SET statement_timeout = ''5s''). Default: none (wtd connects to PostgreSQL itself)'
            cand --log-format 'Log format on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wtd;help'= {
            cand init 'Create the database, the master key and the first org; print a one-time setup token'
            cand serve 'Serve the API'
            cand migrate 'Apply pending database migrations and exit'
            cand org 'Operator actions on orgs'
            cand audit 'Operator actions on the audit log'
            cand backup 'Copy the database to a file, online (the daemon may keep serving)'
            cand restore 'Replace the database with a backup (stop the daemon first)'
            cand copy 'Copy a whole installation into another, empty database (SQLite to PostgreSQL)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wtd;help;init'= {
        }
        &'wtd;help;serve'= {
        }
        &'wtd;help;migrate'= {
        }
        &'wtd;help;org'= {
            cand create 'Add another org with its own one-time owner setup token'
        }
        &'wtd;help;org;create'= {
        }
        &'wtd;help;audit'= {
            cand verify 'Verify the hash chain of every org''s audit log (exit 1 if any is broken)'
        }
        &'wtd;help;audit;verify'= {
        }
        &'wtd;help;backup'= {
        }
        &'wtd;help;restore'= {
        }
        &'wtd;help;copy'= {
        }
        &'wtd;help;help'= {
        }
    ]
    $completions[$command]
}
