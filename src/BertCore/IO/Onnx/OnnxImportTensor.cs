namespace BertCore.IO.Onnx;

/// <summary>A float tensor read from an ONNX file: row-major <see cref="Values"/> of shape <see cref="Shape"/>.</summary>
internal sealed record OnnxImportTensor(float[] Values, int[] Shape)
{
    /// <summary>The transpose of a matrix: [rows, cols] → [cols, rows] (an ONNX MatMul weight [in, out] becomes a
    /// Linear weight [out, in]).</summary>
    public OnnxImportTensor Transposed()
    {
        int rows = Shape[0], cols = Shape[1];
        var t = new float[Values.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                t[c * rows + r] = Values[r * cols + c];
        return new OnnxImportTensor(t, [cols, rows]);
    }
}
