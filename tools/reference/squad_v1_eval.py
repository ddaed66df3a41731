"""The official SQuAD v1.1 evaluation script (evaluate-v1.1.py), transcribed, and a hand-made case set scored by it.

The five functions below are the official script's normalize_answer, f1_score, exact_match_score,
metric_max_over_ground_truths and evaluate, unchanged in behaviour (only the argparse/`__main__` part is
replaced). Run as the official script:
    /usr/bin/python3 tools/reference/squad_v1_eval.py DATASET.json PREDICTIONS.json   # prints {"exact_match", "f1"}
or with no arguments to (re)write tools/reference/fixtures/squad/:
    dataset.json      SQuAD v1.1 JSON holding the cases below (answer_start computed here, so every answer matches)
    predictions.json  {question id: predicted text} (one question is left unanswered on purpose)
    expected.json     the script's totals, its per-question exact match / F1, and normalize_answer of every text

Needs only the Python standard library.
"""
from __future__ import print_function

import json
import os
import re
import string
import sys
from collections import Counter


# ---- official evaluate-v1.1.py -------------------------------------------------------------------------------------

def normalize_answer(s):
    """Lower text and remove punctuation, articles and extra whitespace."""
    def remove_articles(text):
        return re.sub(r'\b(a|an|the)\b', ' ', text)

    def white_space_fix(text):
        return ' '.join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return ''.join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def f1_score(prediction, ground_truth):
    prediction_tokens = normalize_answer(prediction).split()
    ground_truth_tokens = normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def exact_match_score(prediction, ground_truth):
    return (normalize_answer(prediction) == normalize_answer(ground_truth))


def metric_max_over_ground_truths(metric_fn, prediction, ground_truths):
    scores_for_ground_truths = []
    for ground_truth in ground_truths:
        score = metric_fn(prediction, ground_truth)
        scores_for_ground_truths.append(score)
    return max(scores_for_ground_truths)


def evaluate(dataset, predictions):
    f1 = exact_match = total = 0
    for article in dataset:
        for paragraph in article['paragraphs']:
            for qa in paragraph['qas']:
                total += 1
                if qa['id'] not in predictions:
                    message = 'Unanswered question ' + qa['id'] + \
                              ' will receive score 0.'
                    print(message, file=sys.stderr)
                    continue
                ground_truths = list(map(lambda x: x['text'], qa['answers']))
                prediction = predictions[qa['id']]
                exact_match += metric_max_over_ground_truths(
                    exact_match_score, prediction, ground_truths)
                f1 += metric_max_over_ground_truths(
                    f1_score, prediction, ground_truths)

    exact_match = 100.0 * exact_match / total
    f1 = 100.0 * f1 / total

    return {'exact_match': exact_match, 'f1': f1}


# ---- the hand-made case set ----------------------------------------------------------------------------------------

# (prediction or None for unanswered, [reference answers], what the case exercises)
CASES = [
    ("Denver Broncos", ["Denver Broncos"], "identical"),
    ("the Denver Broncos.", ["Denver Broncos"], "article and ASCII punctuation removed"),
    ("Broncos", ["Denver Broncos"], "partial overlap: P 1, R 1/2"),
    ("Santa Clara", ["Santa Clara, California", "Levi's Stadium"], "best of several references"),
    (None, ["Carolina Panthers"], "unanswered: counts in the total with score 0"),
    ("a", ["An"], "both normalize to empty: exact match 1 but F1 0"),
    ("the the cat cat cat", ["cat dog cat"], "bag-of-tokens overlap with repeats"),
    ("another theory", ["theory"], "articles only as whole words ('another' stays)"),
    ("  New\tYork\u00a0City ", ["new york city"], "tab and no-break space are white space"),
    ("\u201cHello\u201d", ["hello"], "curly quotes are not string.punctuation"),
    ("state-of-the-art", ["state of the art"], "hyphens vanish, gluing words"),
    ("\u0130stanbul", ["istanbul"], "Python lower(): U+0130 becomes i + U+0307"),
    ("\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3", ["\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2"], "final sigma"),
    ("\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3", ["\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c3"], "final sigma vs plain sigma"),
    ("foo\x1cbar", ["foo bar"], "U+001C separates words for str.split()"),
    ("the\u0301 end", ["\u0301 end"], "a combining mark is not \\w, so 'the' before it is a whole word"),
    ("A 1st-place finish", ["1st place finish"], "digits are \\w; 'A' is an article"),
    ("caf\u00e9 au lait", ["CAF\u00c9 AU LAIT"], "non-ASCII letters lower-cased"),
    ("snake_case name", ["snakecase name"], "underscore is punctuation"),
    ("1,000 yards", ["1000 yards"], "commas inside numbers vanish"),
    ("one two three four", ["two three four five six"], "P 3/4, R 3/5"),
    ("\U0001F600 smile", ["smile"], "emoji (astral) stays a token"),
]


def write_fixture(out_dir):
    data = []
    predictions = {}
    per_article = 4
    for a in range(0, len(CASES), per_article):
        paragraphs = []
        for p, (prediction, answers, note) in enumerate(CASES[a:a + per_article]):
            qid = "q%02d" % (a + p + 1)
            context = "Case %s (%s): " % (qid, note) + " | ".join(answers) + "."
            qas = [{
                "id": qid,
                "question": "What does case %s check?" % qid,
                "answers": [{"answer_start": context.index(t), "text": t} for t in answers],
            }]
            paragraphs.append({"context": context, "qas": qas})
            if prediction is not None:
                predictions[qid] = prediction
        data.append({"title": "Cases %d" % (a // per_article + 1), "paragraphs": paragraphs})

    per_question = {}
    for article in data:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                if qa["id"] not in predictions:
                    continue
                truths = [x["text"] for x in qa["answers"]]
                per_question[qa["id"]] = {
                    "exact_match": bool(metric_max_over_ground_truths(exact_match_score, predictions[qa["id"]], truths)),
                    "f1": float(metric_max_over_ground_truths(f1_score, predictions[qa["id"]], truths)),
                }
    texts = sorted(set(list(predictions.values()) + [t for _, answers, _ in CASES for t in answers]))
    expected = {
        "totals": evaluate(data, predictions),
        "per_question": per_question,
        "normalized": [[t, normalize_answer(t)] for t in texts],
    }

    os.makedirs(out_dir, exist_ok=True)
    for name, value in (("dataset.json", {"version": "1.1", "data": data}),
                        ("predictions.json", predictions),
                        ("expected.json", expected)):
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            json.dump(value, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
    print(json.dumps(expected["totals"]))


if __name__ == '__main__':
    if len(sys.argv) == 3:
        with open(sys.argv[1], encoding="utf-8") as f:
            dataset = json.load(f)["data"]
        with open(sys.argv[2], encoding="utf-8") as f:
            predictions = json.load(f)
        print(json.dumps(evaluate(dataset, predictions)))
    else:
        write_fixture(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "squad"))
