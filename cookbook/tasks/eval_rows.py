"""Which test rows an evaluation limited to `eval.max_samples` scores: an even share of every group (the rows'
`group`: a mode, a print), in the split's order within each group. Corpora written group by group would otherwise
lose whole groups to a limit: the first 8 rows of a split of four modes are all one mode."""

from __future__ import annotations


def eval_rows(examples: list, max_samples: int) -> list:
    """The first `max_samples` rows taken round-robin over the groups in order of first appearance (all rows when
    `max_samples` is 0 or covers the split); rows without a `group` attribute count as one group."""
    if not max_samples or max_samples >= len(examples):
        return list(examples)
    groups: dict[object, list] = {}
    for example in examples:
        groups.setdefault(getattr(example, "group", None), []).append(example)
    picked, depth = [], 0
    while len(picked) < max_samples:
        picked += [rows[depth] for rows in groups.values() if depth < len(rows)][: max_samples - len(picked)]
        depth += 1
    order = {id(e): i for i, e in enumerate(examples)}
    return sorted(picked, key=lambda e: order[id(e)])
