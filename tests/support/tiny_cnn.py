"""The tiny CNN the ONNX and CLI fixtures are exported from (tests/onnx, tests/cli).

Conv(3→4, 3×3, pad 1) → ReLU → MaxPool 2×2 → Flatten → Linear(64→5) → Softmax, for 3×8×8
inputs. `scores` is the Softmax input (what attribution differentiates).
"""
import torch


class TinyCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, kernel_size=3, padding=1)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(4 * 4 * 4, 5)

    def scores(self, x):
        return self.fc(torch.flatten(self.pool(torch.relu(self.conv(x))), 1))

    def forward(self, x):
        return torch.softmax(self.scores(x), dim=1)


def export(net, x, path):
    """Exports `net` at opset 13 with a free batch dimension and checks the file."""
    import onnx
    torch.onnx.export(net, x, path, input_names=["input"], output_names=["probabilities"],
                      dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}},
                      opset_version=13, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
