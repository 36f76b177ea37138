"""An evaluation limited to N rows scores an even share of every group, whatever order the split is written in."""

from types import SimpleNamespace

from cookbook.tasks.eval_rows import eval_rows


def _rows(groups: dict[str, int]):
    return [SimpleNamespace(id=f"{g}-{i}", group=g) for g, n in groups.items() for i in range(n)]


def test_a_limit_takes_every_group_in_turn_and_keeps_the_splits_order():
    rows = _rows({"yaman": 8, "todi": 8, "ussak": 8, "saba": 8})  # written mode by mode, as the music corpus is
    got = [r.id for r in eval_rows(rows, 6)]
    assert got == ["yaman-0", "yaman-1", "todi-0", "todi-1", "ussak-0", "saba-0"]
    assert [r.id for r in eval_rows(rows, 8)] == [f"{g}-{i}" for g in ("yaman", "todi", "ussak", "saba")
                                                  for i in range(2)]


def test_small_groups_run_out_and_the_rest_fill_the_limit():
    rows = _rows({"a": 1, "b": 5})
    assert [r.id for r in eval_rows(rows, 4)] == ["a-0", "b-0", "b-1", "b-2"]


def test_no_limit_or_a_limit_past_the_split_keeps_every_row():
    rows = _rows({"a": 2, "b": 2})
    assert eval_rows(rows, 0) == rows and eval_rows(rows, 10) == rows
    assert eval_rows([SimpleNamespace(id=1), SimpleNamespace(id=2)], 1)[0].id == 1  # no groups: the first rows
