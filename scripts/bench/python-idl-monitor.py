"""The Python IDL's side of the monitor benchmark: connect, replicate one table, count its rows, exit.

With --memory (the replica benchmark), tracemalloc traces every allocation from the moment the IDL
is made (its schema parsed) until its initial contents are in, and after a full collection the
bytes still allocated since then, what the replica holds, are printed after the row count.

Usage: python3 python-idl-monitor.py REMOTE SCHEMA_FILE TABLE [--memory]
"""
import gc
import sys
import tracemalloc

import ovs.db.idl
import ovs.poller


def main():
    remote, schema_file, table = sys.argv[1:4]
    memory = sys.argv[4:5] == ["--memory"]
    helper = ovs.db.idl.SchemaHelper(schema_file)
    helper.register_table(table)
    idl = ovs.db.idl.Idl(remote, helper)
    if memory:
        gc.collect()
        tracemalloc.start()
    seqno = idl.change_seqno
    while True:
        idl.run()
        if idl.change_seqno != seqno and idl.has_ever_connected():
            break
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.block()
    if memory:
        gc.collect()
        print(len(idl.tables[table].rows), tracemalloc.get_traced_memory()[0])
    else:
        print(len(idl.tables[table].rows))
    idl.close()


main()
