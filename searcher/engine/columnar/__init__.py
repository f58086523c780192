"""The columnar engine: a numpy retrieval engine over per-segment arrays, Whoosh as the passage store.

store.py       the passage store (Whoosh: stored tuples, segments, deletions, atomic commits)
segments.py    the per-segment arrays: writer (SegmentBuilder) and reader (Segments)
scan.py        substring scans over the segments' text (the match rule vectorised)
matching.py    query + filters -> mask of matching passages
scoring.py     BM25 and bonuses
collecting.py  top k, duplicate groups collapsed, copies listed
writer.py      passages -> store + segment, committed together
engine.py      ColumnarEngine: the Engine protocol (engine/base.py) over all of the above
"""

from .engine import ENGINE_FORMAT, ColumnarEngine
from .store import index_state

__all__ = ["ENGINE_FORMAT", "ColumnarEngine", "index_state"]
