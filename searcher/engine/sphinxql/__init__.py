"""A SphinxQL cluster as a searcher engine (Sphinx 2.2 here, Manticore Search in production).

Being built (issue #14): the cluster's configuration and processes (``cluster``), the schema and
rows a passage becomes (``schema``), the client with the cluster's error policy (``client``).
Search and the rest of the ``Engine`` protocol come next; the local engine stays the default.
"""
