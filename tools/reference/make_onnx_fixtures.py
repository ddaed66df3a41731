"""Writes tools/reference/fixtures/onnx/: small ONNX graphs for the ONNX import tests.

  tiny_bert.onnx         torch.onnx.export (opset 13) of bert_reference.BertModel with its pooler, held as `bert`
                         by a wrapper so the initializers are named bert.embeddings..., bert.encoder.layer.{i}... ;
                         LayerNorm decomposed (ReduceMean, Sub, Pow, Add eps, Sqrt, Div, Mul, Add), GELU via Erf,
                         Linear weights as MatMul initializers with generated names [in, out], the pooler a Gemm.
                         Deliberately unusual sizes, all of which import must read from the graph: vocabulary 57,
                         hidden 24, 2 layers, 3 heads (head_dim 8), feed-forward 40, 20 positions, 3 token types,
                         LayerNorm eps 1e-6.
  tiny_bert_opset17.onnx the same model without a pooler, exported at opset 17, where LayerNorm is one
                         LayerNormalization node (epsilon attribute) and the names have no prefix.
  vocab.txt              bert_reference.make_vocab(57), the vocabulary of both.
  mlp.onnx               not a BERT: x[batch, 4] -> MatMul/Add (fc1) -> Relu -> MatMul/Add (fc2) -> y[batch, 2].
  embeddings_only.onnx   a BERT's embeddings (word, position, token type, LayerNorm) with no encoder layers.

The ONNX Runtime runs these files in the tests as the oracle; nothing else is stored.
Run: /usr/bin/python3 tools/reference/make_onnx_fixtures.py   (deterministic weights; a few seconds)
"""
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "onnx")
CONFIG = dict(br.DEFAULT_CONFIG, vocab_size=57, hidden_size=24, num_hidden_layers=2, num_attention_heads=3,
              intermediate_size=40, max_position_embeddings=20, type_vocab_size=3, layer_norm_eps=1e-6)


class Exported(torch.nn.Module):
    """Returns (last_hidden_state, pooler_output) or last_hidden_state alone, as HF's ONNX exports do."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden, pooled = self.bert(input_ids, attention_mask, token_type_ids)
        return (hidden[-1], pooled) if pooled is not None else hidden[-1]


def export(model, path, opset, outputs):
    ids = torch.tensor([[2, 10, 11, 3, 0], [2, 12, 3, 0, 0]])
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            "token_type_ids": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"}}
    torch.onnx.export(model, (ids, mask, types), path, opset_version=opset, do_constant_folding=True,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=outputs,
                      dynamic_axes=axes)


def tiny_berts():
    g = torch.Generator().manual_seed(20261207)
    with_pooler = br.BertModel(CONFIG, add_pooling_layer=True)
    br.init_weights(with_pooler, CONFIG, g)
    with_pooler.eval()
    export(Exported(with_pooler), os.path.join(OUT, "tiny_bert.onnx"), 13, ["last_hidden_state", "pooler_output"])

    bare = br.BertModel(CONFIG, add_pooling_layer=False)
    bare.load_state_dict({k: v for k, v in with_pooler.state_dict().items() if not k.startswith("pooler.")})
    bare.eval()
    export(bare_wrapper(bare), os.path.join(OUT, "tiny_bert_opset17.onnx"), 17, ["last_hidden_state"])
    with open(os.path.join(OUT, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(br.make_vocab(CONFIG["vocab_size"])) + "\n")


def bare_wrapper(bert):
    """A wrapper whose parameters carry no prefix (bert's own names), as a bare BertModel export."""
    class Bare(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embeddings, self.encoder, self.pooler = bert.embeddings, bert.encoder, None

        def forward(self, input_ids, attention_mask, token_type_ids):
            return br.BertModel.forward(self, input_ids, attention_mask, token_type_ids)[0][-1]
    return Bare()


def save(graph, name):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_onnx_fixtures")
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))


def mlp():
    rng = np.random.default_rng(7)
    init = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), n)
            for n, s in [("fc1.weight", (4, 8)), ("fc1.bias", (8,)), ("fc2.weight", (8, 2)), ("fc2.bias", (2,))]]
    nodes = [helper.make_node("MatMul", ["x", "fc1.weight"], ["h0"]), helper.make_node("Add", ["h0", "fc1.bias"], ["h1"]),
             helper.make_node("Relu", ["h1"], ["h2"]),
             helper.make_node("MatMul", ["h2", "fc2.weight"], ["h3"]), helper.make_node("Add", ["h3", "fc2.bias"], ["y"])]
    save(helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
                           [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])], init), "mlp.onnx")


def embeddings_only():
    rng = np.random.default_rng(8)
    init = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), n) for n, s in [
        ("embeddings.word_embeddings.weight", (30, 6)), ("embeddings.position_embeddings.weight", (10, 6)),
        ("embeddings.token_type_embeddings.weight", (2, 6)), ("embeddings.LayerNorm.weight", (6,)),
        ("embeddings.LayerNorm.bias", (6,))]]
    init += [numpy_helper.from_array(np.array(v, dtype=np.float32), n) for n, v in [("two", 2.0), ("eps", 1e-12)]]
    init += [numpy_helper.from_array(np.arange(10, dtype=np.int64)[None, :], "position_ids")]
    node = helper.make_node
    nodes = [node("Constant", [], ["zero"], value=numpy_helper.from_array(np.array([0], dtype=np.int64))),
             node("Constant", [], ["one"], value=numpy_helper.from_array(np.array(1, dtype=np.int64))),
             node("Shape", ["input_ids"], ["shape"]), node("Gather", ["shape", "one"], ["length"], axis=0),
             node("Unsqueeze", ["length", "zero"], ["end"]),
             node("Constant", [], ["axis1"], value=numpy_helper.from_array(np.array([1], dtype=np.int64))),
             node("Slice", ["position_ids", "zero", "end", "axis1"], ["positions"]),
             node("Gather", ["embeddings.word_embeddings.weight", "input_ids"], ["w"]),
             node("Gather", ["embeddings.token_type_embeddings.weight", "token_type_ids"], ["t"]),
             node("Gather", ["embeddings.position_embeddings.weight", "positions"], ["p"]),
             node("Add", ["w", "t"], ["wt"]), node("Add", ["wt", "p"], ["x"]),
             node("ReduceMean", ["x"], ["mean"], axes=[-1]), node("Sub", ["x", "mean"], ["c"]),
             node("Pow", ["c", "two"], ["c2"]), node("ReduceMean", ["c2"], ["var"], axes=[-1]),
             node("Add", ["var", "eps"], ["ve"]), node("Sqrt", ["ve"], ["sd"]), node("Div", ["c", "sd"], ["n"]),
             node("Mul", ["n", "embeddings.LayerNorm.weight"], ["s"]),
             node("Add", ["s", "embeddings.LayerNorm.bias"], ["last_hidden_state"])]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
              for n in ["input_ids", "attention_mask", "token_type_ids"]]
    save(helper.make_graph(nodes, "embeddings_only", inputs,
                           [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", 6])],
                           init), "embeddings_only.onnx")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    tiny_berts()
    mlp()
    embeddings_only()
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)), "bytes")
