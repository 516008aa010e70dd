// The `deepvis` CLI end to end: runs the executable on the fixtures of data/ (made by
// make_fixtures.py, seed 20240612) and compares what it writes with PyTorch's numbers.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <deepvis/io/npy.hpp>
#include <string>

#include "io/scratch_dir.hpp"

using namespace deepvis;
using test::scratch_dir;

namespace {

const std::string data_dir = DEEPVIS_CLI_DATA;

struct run_result {
    int code = -1;
    std::string out, err;
};

/// Runs `deepvis <args>` from the fixture folder; arguments are single-quoted for the shell.
run_result run_cli(const scratch_dir& dir, const std::vector<std::string>& args) {
    std::string command = "cd '" + data_dir + "' && '" DEEPVIS_CLI "'";
    for (const auto& a : args) command += " '" + a + "'";
    command += " >'" + (dir / "stdout.txt").string() + "' 2>'" + (dir / "stderr.txt").string() + "'";
    const int status = std::system(command.c_str());
    run_result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = test::read_bytes(dir / "stdout.txt");
    r.err = test::read_bytes(dir / "stderr.txt");
    return r;
}

void check_close(const tensor& actual, const tensor& expected, float tolerance) {
    REQUIRE(shape_of(actual) == shape_of(expected));
    float worst = 0.0f;
    for (std::size_t i = 0; i < actual.size(); ++i)
        worst = std::max(worst, std::abs(actual.data()[i] - expected.data()[i]));
    CHECK(worst <= tolerance);
}

}  // namespace

TEST_CASE("cli: predict prints PyTorch's top classes and saves the graph output") {
    scratch_dir dir;
    const auto out = (dir / "p.npy").string();
    const auto r = run_cli(dir, {"predict", "--model", "tiny_cnn.onnx", "--input", "input.npy", "--top", "2",
                                 "--labels", "labels.txt", "--out", out});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    // PyTorch: item 0 -> cherry 0.2511, banana 0.2390; item 1 -> cherry 0.3403, banana 0.1971.
    CHECK(r.out ==
          "input[0]\n  1. class 2  p=0.2511  cherry\n  2. class 1  p=0.2390  banana\n"
          "input[1]\n  1. class 2  p=0.3403  cherry\n  2. class 1  p=0.1971  banana\n"
          "wrote " +
              out + " (2, 5)\n");
    check_close(io::load_npy(out), io::load_npy(data_dir + "/probabilities.npy"), 1e-6f);
}

TEST_CASE("cli: predict on a PNG matches PyTorch on the same pixels scaled to [0, 1]") {
    scratch_dir dir;
    const auto out = (dir / "p.npy").string();
    const auto r = run_cli(dir, {"predict", "--model", "tiny_cnn.onnx", "--image", "image.png", "--out", out});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const tensor scores = io::load_npy(data_dir + "/image_scores.npy");
    tensor expected = scores;
    float sum = 0.0f;
    for (auto& v : expected) sum += v = std::exp(v);
    for (auto& v : expected) v /= sum;
    check_close(io::load_npy(out), expected, 1e-6f);
    CHECK(r.out.rfind("image.png\n  1. class 4  p=0.2426\n", 0) == 0);
}

TEST_CASE("cli: attribute gradient matches PyTorch's input gradient, one class per item") {
    scratch_dir dir;
    const auto out = (dir / "g.npy").string();
    const auto r = run_cli(dir, {"attribute", "gradient", "--model", "tiny_cnn.onnx", "--input", "input.npy", "--class",
                                 "1,3", "--out", out});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out == "wrote " + out + " (2, 3, 8, 8)\n");
    check_close(io::load_npy(out), io::load_npy(data_dir + "/gradient_1_3.npy"), 1e-6f);
}

TEST_CASE("cli: a single class applies to every item of the batch") {
    scratch_dir dir;
    const auto out = (dir / "g.npy").string();
    const auto r = run_cli(dir, {"attribute", "gradient", "--model", "tiny_cnn.onnx", "--input", "input.npy", "--class",
                                 "3", "--out", out});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const tensor g = io::load_npy(out);
    const tensor expected = io::load_npy(data_dir + "/gradient_1_3.npy");
    // Item 1 of the fixture is the gradient for class 3.
    const tensor g1 = xt::view(g, 1);
    const tensor e1 = xt::view(expected, 1);
    check_close(g1, e1, 1e-6f);
}

TEST_CASE("cli: info lists inputs, parameters, the score tensor and every node's shapes") {
    scratch_dir dir;
    const auto r = run_cli(dir, {"info", "--model", "tiny_cnn.onnx"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("input: input (-1, 3, 8, 8)\n") != std::string::npos);
    CHECK(r.out.find("output: probabilities (-1, 5)\n") != std::string::npos);
    CHECK(r.out.find("scores: /fc/Gemm_output_0 (the input of the trailing Softmax)\n") != std::string::npos);
    // conv 4·3·3·3 + 4, fc 5·64 + 5
    CHECK(r.out.find("parameters: 437 in 4 weight tensors\n") != std::string::npos);
    CHECK(r.out.find("MaxPool  /pool/MaxPool_output_0 (1, 4, 4, 4)\n") != std::string::npos);
    CHECK(r.out.find("Softmax  probabilities (1, 5)\n") != std::string::npos);
}

TEST_CASE("cli: info runs a dynamic model at the shape given by --input-shape") {
    scratch_dir dir;
    const auto r = run_cli(dir, {"info", "--model", "dynamic_hw.onnx", "--input-shape", "2,3,4,5"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("relu  Relu  y (2, 3, 4, 5)\n") != std::string::npos);
}

TEST_CASE("cli: --help prints a command's flags and exits 0") {
    scratch_dir dir;
    const std::vector<std::vector<std::string>> commands = {{"--help"},
                                                            {"info", "--help"},
                                                            {"predict", "--help"},
                                                            {"attribute", "--help"},
                                                            {"attribute", "gradient", "--help"}};
    for (const auto& args : commands) {
        const auto r = run_cli(dir, args);
        CAPTURE(args.size());
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        CHECK(r.out.rfind("usage: deepvis", 0) == 0);
    }
    const auto r = run_cli(dir, {"predict", "--help"});
    CHECK(r.out.find("--top K") != std::string::npos);
    CHECK(r.out.find("(default: 5)") != std::string::npos);
}

TEST_CASE("cli: a failed run leaves the previous output untouched") {
    scratch_dir dir;
    const auto out = dir / "g.npy";
    io::save_npy(out, tensor{1.0f, 2.0f});
    const auto r = run_cli(dir, {"attribute", "gradient", "--model", "tiny_cnn.onnx", "--input", "input_f64.npy",
                                 "--class", "1", "--out", out.string()});
    CHECK(r.code == 1);
    CHECK(io::load_npy(out) == tensor{1.0f, 2.0f});
}

TEST_CASE("cli: attribute top-k ranks the classes, names them, and writes (N, k, H, W) Grad-CAMs") {
    scratch_dir dir;
    const auto out = (dir / "top.npy").string();
    const auto r = run_cli(dir, {"attribute", "top-k", "--model", "tiny_cnn.onnx", "--input", "input.npy", "--k", "2",
                                 "--labels", "labels.txt", "--out", out});
    INFO(r.err);
    REQUIRE(r.code == 0);
    // The ranking of scores.npy (PyTorch's class scores of input.npy): both items 2, then 1.
    CHECK(r.out.find("input[0]: top1 class 2 'cherry'") != std::string::npos);
    CHECK(r.out.find("top2 class 1 'banana'") != std::string::npos);
    const tensor maps = io::load_npy(out);
    CHECK(shape_string(maps.shape()) == "(2, 2, 8, 8)");
    for (float v : maps) CHECK(v >= 0.0f);
}

TEST_CASE("cli: attribute faithfulness prints deletion and insertion AUC per item and their mean") {
    scratch_dir dir;
    const auto r = run_cli(dir, {"attribute", "faithfulness", "--model", "tiny_cnn.onnx", "--input", "input.npy",
                                 "--class", "1,3", "--method", "gradcam", "--step", "0.25"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("input[0]: class 1, gradcam: deletion AUC ") == 0);
    CHECK(r.out.find("input[1]: class 3, gradcam: deletion AUC ") != std::string::npos);
    CHECK(r.out.find("mean over 2 items: deletion AUC ") != std::string::npos);
    const auto bad = run_cli(dir, {"attribute", "faithfulness", "--model", "tiny_cnn.onnx", "--input", "input.npy",
                                   "--class", "1", "--method", "nope"});
    CHECK(bad.code == 2);
    CHECK(bad.err.find("flag --method: 'nope'") != std::string::npos);
}

TEST_CASE("cli: attribute object-mask writes binary masks with GrabCut, or says it is not built") {
    scratch_dir dir;
    const auto out = (dir / "mask.npy").string();
    const auto r = run_cli(dir, {"attribute", "object-mask", "--model", "tiny_cnn.onnx", "--input", "input.npy",
                                 "--class", "1", "--out", out});
    INFO(r.err);
    if (r.code == 1) {
        CHECK(r.err.find("built without GrabCut") != std::string::npos);
        return;
    }
    REQUIRE(r.code == 0);
    CHECK(r.out.find("input[0]: class 1, box x [") == 0);
    const tensor masks = io::load_npy(out);
    CHECK(shape_string(masks.shape()) == "(2, 8, 8)");
    for (float v : masks) CHECK((v == 0.0f || v == 1.0f));
}

TEST_CASE("cli: convert stores preprocessing and class names in the model; predict then needs no flags") {
    scratch_dir dir;
    const auto annotated = (dir / "annotated.onnx").string();
    const auto flags_out = (dir / "with_flags.npy").string(), meta_out = (dir / "from_metadata.npy").string();
    const std::vector<std::string> preprocessing = {"--scale", "0.5", "--mean", "10,20,30", "--std", "40", "--bgr"};
    std::vector<std::string> convert = {"convert",    "--model", "tiny_cnn.onnx", "--labels",
                                        "labels.txt", "--out",   annotated};
    convert.insert(convert.end(), preprocessing.begin(), preprocessing.end());
    const auto c = run_cli(dir, convert);
    INFO(c.err);
    REQUIRE(c.code == 0);
    CHECK(c.out.find("deepvis.preprocess.mean=10,20,30") != std::string::npos);
    CHECK(c.out.find("deepvis.labels=(5 names)") != std::string::npos);

    std::vector<std::string> with_flags = {"predict",  "--model",    "tiny_cnn.onnx", "--image", "image.png",
                                           "--labels", "labels.txt", "--out",         flags_out};
    with_flags.insert(with_flags.end(), preprocessing.begin(), preprocessing.end());
    const auto a = run_cli(dir, with_flags);
    const auto b = run_cli(dir, {"predict", "--model", annotated, "--image", "image.png", "--out", meta_out});
    INFO(a.err << b.err);
    REQUIRE(a.code == 0);
    REQUIRE(b.code == 0);
    // The same numbers and the same class names, the output paths aside.
    CHECK(a.out.substr(0, a.out.find("wrote")) == b.out.substr(0, b.out.find("wrote")));
    check_close(io::load_npy(meta_out), io::load_npy(flags_out), 0.0f);
    CHECK(b.out.find("cherry") != std::string::npos);
    // An explicit flag still wins over the model's metadata.
    const auto u = run_cli(
        dir, {"predict", "--model", annotated, "--image", "image.png", "--preprocess", "unit", "--out", meta_out});
    REQUIRE(u.code == 0);
    const tensor scores = io::load_npy(data_dir + "/image_scores.npy");
    float sum = 0.0f;
    tensor expected = scores;
    for (auto& v : expected) sum += v = std::exp(v);
    for (auto& v : expected) v /= sum;
    check_close(io::load_npy(meta_out), expected, 1e-6f);
}
