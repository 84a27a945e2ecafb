"""The Python IDL's side of the failover benchmark: replicate Logical_Switch names, follow the cluster.

Connects to the remote list (leader-only, the IDL's default) and, each time a switch name appears
in its replica, prints one line "seen NAME REMOTE" (REMOTE: the member it is connected to) and
flushes it at once, so the parent can timestamp the line as it arrives. Runs until killed.

Usage: python3 python-idl-failover.py REMOTES SCHEMA_FILE
"""
import sys

import ovs.db.idl
import ovs.poller

TABLE = "Logical_Switch"


def main():
    remotes, schema_file = sys.argv[1:3]
    helper = ovs.db.idl.SchemaHelper(schema_file)
    helper.register_columns(TABLE, ["name"])
    idl = ovs.db.idl.Idl(remotes, helper)
    seen = set()
    seqno = idl.change_seqno
    while True:
        idl.run()
        if idl.change_seqno != seqno:
            seqno = idl.change_seqno
            for row in idl.tables[TABLE].rows.values():
                if row.name not in seen:
                    seen.add(row.name)
                    sys.stdout.write("seen %s %s\n" % (row.name, idl.session_name()))
            sys.stdout.flush()
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.block()


main()
