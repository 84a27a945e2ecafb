"""The Python IDL's side of the monitor benchmark: connect, replicate one table, count its rows, exit.

Usage: python3 python-idl-monitor.py REMOTE SCHEMA_FILE TABLE
"""
import sys

import ovs.db.idl
import ovs.poller


def main():
    remote, schema_file, table = sys.argv[1:4]
    helper = ovs.db.idl.SchemaHelper(schema_file)
    helper.register_table(table)
    idl = ovs.db.idl.Idl(remote, helper)
    seqno = idl.change_seqno
    while True:
        idl.run()
        if idl.change_seqno != seqno and idl.has_ever_connected():
            break
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.block()
    print(len(idl.tables[table].rows))
    idl.close()


main()
