"""A readable, self-contained BERT in PyTorch with Hugging Face `transformers` semantics (BertModel,
BertForPreTraining, BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering),
written out by hand because `transformers` is not installable here.

Parameter names are exactly HF's state_dict keys. Semantics follow HF's eager ("attn_implementation=eager") path:
  embeddings  = LayerNorm(word[ids] + position[0..T-1] + token_type[tt]) -> dropout      (eps from config, 1e-12)
  ext. mask   = (1 - attention_mask[:, None, None, :]) * finfo(dtype).min                (added to the scores)
  attention   = softmax(Q K^T / sqrt(head_dim) + ext_mask) -> dropout -> @ V -> merge heads
  attn output = LayerNorm(dropout(dense(ctx)) + x)
  ffn         = LayerNorm(dropout(dense2(gelu_erf(dense1(a)))) + a)
  pooler      = tanh(dense(h[:, 0]))
  MLM head    = LayerNorm(gelu_erf(dense(h))) @ word_embeddings^T + cls.predictions.bias   (tied decoder)
  NSP head    = cls.seq_relationship(pooled)
BertCore's variants, from two config keys HF's BertConfig does not have (absent: HF's BERT):
  layer_norm_position "pre":   a = x + dropout(dense(attention(LN1(x)))); out = a + dropout(dense2(gelu(dense1(LN2(a)))))
                               (LN1, LN2 keep the names attention.output.LayerNorm, output.LayerNorm), then one final
                               LayerNorm bert.encoder.LayerNorm over the last layer's output (the last hidden state)
  encoder_linear_bias false:   the six Linear layers of every encoder layer have no bias
Word embeddings use padding_idx=pad_token_id (0) as HF's nn.Embedding does: the gather's backward does not
accumulate into row 0 (the tied decoder still does).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_CONFIG = dict(
    vocab_size=1000, hidden_size=96, num_hidden_layers=3, num_attention_heads=3, intermediate_size=200,
    hidden_act="gelu", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, max_position_embeddings=64,
    type_vocab_size=2, initializer_range=0.02, layer_norm_eps=1e-12, pad_token_id=0,
)


def gelu(x):
    """HF "gelu" = exact erf form: x * 0.5 * (1 + erf(x / sqrt(2)))."""
    return F.gelu(x)  # approximate='none'


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, input_ids, token_type_ids):
        # input_ids, token_type_ids: (B, T) -> (B, T, C)
        T = input_ids.shape[1]
        position_ids = torch.arange(T, device=input_ids.device)[None, :]  # positions start at 0
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_heads = c["num_attention_heads"]
        self.head_dim = c["hidden_size"] // self.num_heads
        bias = c.get("encoder_linear_bias", True)
        self.query = nn.Linear(c["hidden_size"], c["hidden_size"], bias=bias)
        self.key = nn.Linear(c["hidden_size"], c["hidden_size"], bias=bias)
        self.value = nn.Linear(c["hidden_size"], c["hidden_size"], bias=bias)
        self.dropout = nn.Dropout(c["attention_probs_dropout_prob"])

    def split(self, x):  # (B, T, C) -> (B, H, T, D)
        B, T, _ = x.shape
        return x.view(B, T, self.num_heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x, ext_mask):
        # x: (B, T, C); ext_mask: (B, 1, 1, T) additive
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)  # (B, H, T, T)
        scores = scores + ext_mask
        probs = self.dropout(torch.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v)  # (B, H, T, D)
        B, H, T, D = ctx.shape
        return ctx.permute(0, 2, 1, 3).contiguous().view(B, T, H * D)


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"], bias=c.get("encoder_linear_bias", True))
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, h, residual):
        return self.LayerNorm(self.dropout(self.dense(h)) + residual)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, x, ext_mask):
        return self.output(self.self(x, ext_mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"], bias=c.get("encoder_linear_bias", True))

    def forward(self, x):
        return gelu(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["intermediate_size"], c["hidden_size"], bias=c.get("encoder_linear_bias", True))
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, h, residual):
        return self.LayerNorm(self.dropout(self.dense(h)) + residual)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)
        self.pre_ln = c.get("layer_norm_position", "post") == "pre"

    def forward(self, x, ext_mask):
        if self.pre_ln:
            attn_out, ffn_out = self.attention.output, self.output
            a = x + attn_out.dropout(attn_out.dense(self.attention.self(attn_out.LayerNorm(x), ext_mask)))
            return a + ffn_out.dropout(ffn_out.dense(self.intermediate(ffn_out.LayerNorm(a))))
        a = self.attention(x, ext_mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c["num_hidden_layers"])])
        if c.get("layer_norm_position", "post") == "pre":
            self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])  # the final LayerNorm


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, h):
        return torch.tanh(self.dense(h[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c, add_pooling_layer=True):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c) if add_pooling_layer else None

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        """Returns (hidden_states list [embeddings, layer 1, ..., layer L], pooled or None); in a pre-LN model the last
        entry is layer L's output after the final LayerNorm (BertCore's last hidden state)."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        x = self.embeddings(input_ids, token_type_ids)
        ext = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        hidden = [x]
        for layer in self.encoder.layer:
            x = layer(x, ext)
            hidden.append(x)
        if hasattr(self.encoder, "LayerNorm"):
            x = hidden[-1] = self.encoder.LayerNorm(x)
        pooled = self.pooler(x) if self.pooler is not None else None
        return hidden, pooled


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, h):
        return self.LayerNorm(gelu(self.dense(h)))


class BertLMPredictionHead(nn.Module):
    """decoder.weight is the word-embedding matrix (tied); decoder.bias is `cls.predictions.bias` (tied)."""

    def __init__(self, c):
        super().__init__()
        self.transform = BertPredictionHeadTransform(c)
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))

    def forward(self, h, word_embeddings_weight):
        return F.linear(self.transform(h), word_embeddings_weight, self.bias)


class BertPreTrainingHeads(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = BertLMPredictionHead(c)
        self.seq_relationship = nn.Linear(c["hidden_size"], 2)


def init_weights(module, c, generator, noise=True):
    """HF BertPreTrainedModel._init_weights (normal(0, initializer_range) for Linear/Embedding weights, zero
    biases, zero padding row, LayerNorm 1/0, zero cls.predictions.bias), then - unlike HF - small random noise on
    every bias and LayerNorm weight/bias so that a bug in their handling shows up in parity checks."""
    std = c["initializer_range"]
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "LayerNorm" in name:
                p.fill_(1.0 if name.endswith("weight") else 0.0)
            elif name.endswith("bias"):
                p.zero_()
            else:
                p.copy_(torch.randn(p.shape, generator=generator) * std)
        for m in module.modules():
            if isinstance(m, nn.Embedding) and m.padding_idx is not None:
                m.weight[m.padding_idx].zero_()
        if noise:
            for name, p in module.named_parameters():
                if "LayerNorm" in name:
                    p.add_(torch.randn(p.shape, generator=generator) * 0.1)
                elif name.endswith("bias"):
                    p.add_(torch.randn(p.shape, generator=generator) * 0.05)


class BertForPreTraining(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.bert = BertModel(c, add_pooling_layer=True)
        self.cls = BertPreTrainingHeads(c)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None, next_sentence_label=None):
        hidden, pooled = self.bert(input_ids, attention_mask, token_type_ids)
        mlm_logits = self.cls.predictions(hidden[-1], self.bert.embeddings.word_embeddings.weight)
        nsp_logits = self.cls.seq_relationship(pooled)
        out = dict(hidden_states=hidden, pooler_output=pooled, mlm_logits=mlm_logits, nsp_logits=nsp_logits)
        if labels is not None and next_sentence_label is not None:
            V = self.config["vocab_size"]
            out["mlm_loss"] = F.cross_entropy(mlm_logits.view(-1, V), labels.view(-1).long(), ignore_index=-100)
            out["nsp_loss"] = F.cross_entropy(nsp_logits.view(-1, 2), next_sentence_label.view(-1).long())
            out["loss"] = out["mlm_loss"] + out["nsp_loss"]
        return out


class BertForSequenceClassification(nn.Module):
    """num_labels == 1 -> regression (MSE on squeezed logits, float labels); else single-label CE."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = c["num_labels"]
        self.bert = BertModel(c, add_pooling_layer=True)
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.classifier = nn.Linear(c["hidden_size"], self.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        hidden, pooled = self.bert(input_ids, attention_mask, token_type_ids)
        logits = self.classifier(self.dropout(pooled))  # (B, num_labels)
        out = dict(hidden_states=hidden, logits=logits)
        if labels is not None:
            if self.num_labels == 1:
                out["loss"] = F.mse_loss(logits.squeeze(), labels.squeeze().to(logits.dtype))
            else:
                out["loss"] = F.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1).long())
        return out


class BertForTokenClassification(nn.Module):
    """No pooler (HF builds BertModel(add_pooling_layer=False))."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = c["num_labels"]
        self.bert = BertModel(c, add_pooling_layer=False)
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.classifier = nn.Linear(c["hidden_size"], self.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        hidden, _ = self.bert(input_ids, attention_mask, token_type_ids)
        logits = self.classifier(self.dropout(hidden[-1]))  # (B, T, num_labels)
        out = dict(hidden_states=hidden, logits=logits)
        if labels is not None:
            out["loss"] = F.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1).long(), ignore_index=-100)
        return out


class BertForQuestionAnswering(nn.Module):
    """No pooler. qa_outputs: Linear(hidden, 2); loss = (CE(start) + CE(end)) / 2, positions clamped to [0, T]
    and position T ignored (HF's ignored_index)."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.bert = BertModel(c, add_pooling_layer=False)
        self.qa_outputs = nn.Linear(c["hidden_size"], 2)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, start_positions=None, end_positions=None):
        hidden, _ = self.bert(input_ids, attention_mask, token_type_ids)
        logits = self.qa_outputs(hidden[-1])  # (B, T, 2)
        start_logits, end_logits = logits[..., 0].contiguous(), logits[..., 1].contiguous()
        out = dict(hidden_states=hidden, start_logits=start_logits, end_logits=end_logits)
        if start_positions is not None and end_positions is not None:
            ignored = start_logits.size(1)
            s = start_positions.long().clamp(0, ignored)
            e = end_positions.long().clamp(0, ignored)
            out["loss"] = (F.cross_entropy(start_logits, s, ignore_index=ignored)
                           + F.cross_entropy(end_logits, e, ignore_index=ignored)) / 2
        return out


ZERO_GRADIENT = 1e-12    # a float64 gradient below this times the model's largest is mathematically zero
FLOAT32_AGREEMENT = 1e-5  # every other float32 gradient must be this close to float64, relative to its own max


def reference_gradients(grads32, grads64):
    """The gradients a fixture stores, {name: float32 tensor}, from PyTorch's float32 gradients and the float64
    gradients of the same model and inputs. A tensor whose float64 gradient is below ZERO_GRADIENT times the largest
    gradient of the model is mathematically zero (a key bias shifts a whole softmax row; a bias before a loss whose
    gradient sums to zero over the positions it is added to): its float32 value is round-off, so it is stored as
    exact zeros and returned in the second result. Every other tensor must agree with float64 within
    FLOAT32_AGREEMENT of its own largest magnitude, so that a per-tensor relative comparison is meaningful (inputs
    whose gradients are dominated by cancellation fail here)."""
    scale = max(g.abs().max().item() for g in grads64.values())
    out, zero = {}, []
    for n, g64 in grads64.items():
        top = g64.abs().max().item()
        if top < ZERO_GRADIENT * scale:
            out[n] = torch.zeros_like(grads32[n])
            zero.append(n)
            continue
        err = (grads32[n].double() - g64).abs().max().item() / top
        assert err < FLOAT32_AGREEMENT, f"{n}: float32 gradient differs from float64 by {err:.1e} of its max {top:.1e}"
        out[n] = grads32[n]
    return out, zero


def hf_config_json(c, architectures, **extra):
    """HF BertConfig fields as written by save_pretrained (plus `extra`)."""
    d = {
        "architectures": architectures,
        "attention_probs_dropout_prob": c["attention_probs_dropout_prob"],
        "classifier_dropout": None,
        "hidden_act": c["hidden_act"],
        "hidden_dropout_prob": c["hidden_dropout_prob"],
        "hidden_size": c["hidden_size"],
        "initializer_range": c["initializer_range"],
        "intermediate_size": c["intermediate_size"],
        "layer_norm_eps": c["layer_norm_eps"],
        "max_position_embeddings": c["max_position_embeddings"],
        "model_type": "bert",
        "num_attention_heads": c["num_attention_heads"],
        "num_hidden_layers": c["num_hidden_layers"],
        "pad_token_id": c["pad_token_id"],
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "type_vocab_size": c["type_vocab_size"],
        "use_cache": True,
        "vocab_size": c["vocab_size"],
    }
    d.update(extra)
    return dict(sorted(d.items()))


def make_vocab(n):
    """Deterministic made-up WordPiece vocabulary: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, then single
    letters, `##` letters, and consonant-vowel syllable words / `##` suffixes until n tokens."""
    toks = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    letters = "abcdefghijklmnopqrstuvwxyz"
    toks += list(letters) + ["##" + ch for ch in letters]
    cons, vows = "bdfgklmnprstvz", "aeiou"
    syl = [c + v for c in cons for v in vows]  # 70
    cands = []
    for i, a in enumerate(syl):
        cands.append(a)
        if i % 3 == 0:
            cands.append("##" + a)
    for a in syl:
        for b in syl:
            cands.append(a + b)
            if (len(cands) % 7) == 0:
                cands.append("##" + a + b)
    seen = set(toks)
    for t in cands:
        if len(toks) >= n:
            break
        if t not in seen:
            toks.append(t)
            seen.add(t)
    assert len(toks) == n and len(set(toks)) == n
    return toks
