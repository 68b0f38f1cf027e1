"""The assistant scaled out on one machine: `make run-scaled`.

Rasa scales out by itself: Rasa servers that share a tracker store (PostgreSQL)
and a lock store (Redis) can each take any conversation's next message, and
action servers keep no state. This starts that shape on loopback:

    nginx on RASA_PORT           -> the Rasa replicas (SCALED_RASA_PORTS)
    nginx on ACTION_SERVER_PORT  -> the action servers (SCALED_ACTION_PORTS)
    the review console, as `make run` starts it

so every URL `make run` prints works the same. PostgreSQL and Redis are the
ones DATABASE_URL and REDIS_URL name; on loopback they are started under
RUN_DIR if they do not answer and are installed.

The PostgreSQL and Redis started here each ask for a password (issue 13, item
13): PostgreSQL's cluster takes scram-sha-256 passwords only, Redis has
`requirepass`. Each password is generated once, kept in RUN_DIR (0600, beside
the data it protects, so a new .env never locks us out of our own cluster),
and reaches the servers in their environment or in a 0600 file: never on a
command line, never printed (RUN_DIR/postgres.pgpass serves commands run by
hand). PostgreSQL refuses to run as root: as root, its programs run as the
`postgres` user (setpriv, with an emptied environment), with the cluster in that
user's home, since RUN_DIR (0700) is root's alone. tests/unit/test_scaled_passwords.py
runs this path as make run-scaled does.

Balancing: REST requests go to the least busy replica (the lock store keeps
one conversation's turns in order on any replica). socket.io needs one client
to stay on one replica (its session lives in that process): nginx open source
has no sticky cookie, so its location hashes the client's address.

The parts: deployment.py (what runs, and in what order), backing_services.py (which
PostgreSQL and Redis are ours to start), passwords.py, postgres.py, redis_server.py,
nginx.py, programs.py (finding the programs it runs).
"""
