"""The kind of report (文种) an article is, from its title: 工作总结, 经验材料, 综述 ...

Report titles end in their genre ("……创建全国文明城市工作综述", "……交流发言材料摘编"), so the kind
whose marker occurs last in the title wins. Unknown stays None: a wrong kind is worse than none.
"""

from __future__ import annotations

# Kind -> the words in a title that say so, most specific first.
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("发言材料", ("发言材料", "表态发言", "交流发言", "典型发言", "发言", "讲话", "致辞")),
    ("工作汇报", ("工作汇报", "情况汇报", "汇报")),
    ("工作总结", ("工作总结", "总结")),
    ("经验材料", ("经验材料", "经验做法", "典型经验", "经验交流")),
    ("综述", ("综述",)),
    ("新闻报道", ("纪实", "走笔", "侧记", "巡礼", "新闻", "报道", "记者")),
    ("实施方案", ("实施方案", "工作方案", "行动方案")),
    ("调研报告", ("调研报告", "调查报告")),
)


def doc_type(title: str) -> str | None:
    """The kind of report ``title`` names, or None.

    >>> doc_type("鹤壁市全国文明城市创建成效综述"), doc_type("吉林省延吉市：持续深入推进文明城市创建")
    ('综述', None)
    >>> doc_type("2021年全国文明城市创建工作培训班交流发言材料摘编（三）")
    '发言材料'
    """
    best: tuple[int, int, str] | None = None
    for rank, (kind, words) in enumerate(KINDS):
        for word in words:
            at = title.rfind(word)
            if at >= 0:
                # The marker ending last wins; at the same end, the earlier kind in KINDS.
                key = (at + len(word), -rank, kind)
                if best is None or key[:2] > best[:2]:
                    best = key
    return best[2] if best else None
