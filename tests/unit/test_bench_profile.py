"""The profile's grouping: output-layer operators are recognised by a vocabulary-sized operand, or by a block of
it when the head is vocabulary-blocked; LoRA matmuls by a rank-sized side."""

from cookbook.bench_profile import group_of, head_dims

VOCAB, BLOCK, HIDDEN, FFN, RANK = 151936, 8192, 896, 4864, 16


def test_blocked_head_operators_are_grouped_with_the_head():
    heads = head_dims(VOCAB, BLOCK)
    assert heads == {VOCAB, BLOCK, VOCAB % BLOCK}
    assert group_of("aten::mm", [[1024, HIDDEN], [HIDDEN, BLOCK]], heads, RANK) == "LM head matmuls"
    assert group_of("aten::addmm", [[1024, HIDDEN], [1024, VOCAB % BLOCK], [VOCAB % BLOCK, HIDDEN]], heads,
                    RANK) == "LM head matmuls"
    assert group_of("aten::exp_", [[1024, BLOCK]], heads, RANK) == "LM-head elementwise"
    assert group_of("aten::mm", [[512, HIDDEN], [HIDDEN, FFN]], heads, RANK) == "model linear layers"
    assert group_of("aten::mm", [[512, HIDDEN], [HIDDEN, RANK]], heads, RANK) == "LoRA matmuls"
    assert group_of("aten::mul", [[512, FFN]], heads, RANK) == "norms, activations, elementwise"


def test_whole_vocabulary_head_without_blocks():
    assert head_dims(VOCAB, 0) == {VOCAB}
    assert group_of("aten::mm", [[256, HIDDEN], [HIDDEN, VOCAB]], {VOCAB}, RANK) == "LM head matmuls"
    assert group_of("aten::mm", [[256, HIDDEN], [HIDDEN, BLOCK]], {VOCAB}, RANK) == "model linear layers"
