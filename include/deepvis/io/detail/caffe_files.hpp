#pragma once
/// Reading Caffe's files with libprotobuf and the schema in caffe.proto (compiled by protoc at
/// build time): the text `.prototxt` through TextFormat, the binary `.caffemodel` through a
/// CodedInputStream whose total-bytes limit is raised to protobuf's 2 GB maximum (older
/// protobuf releases stop at 64 MB by default; VGG-16's caffemodel is 550 MB). Legacy V1
/// layers (`layers { }`, enum types) are upgraded to LayerParameter as Caffe's own
/// UpgradeV1LayerParameter does, and blobs become flat tensors after every declared size has
/// been checked for overflow and against the number of values stored.
#include <deepvis/io/detail/caffe.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/text_format.h>

#include <climits>
#include <cstdint>
#include <deepvis/core/checked.hpp>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace deepvis::detail {

namespace caffe_pb = ::deepvis_caffe;

/// Product of `dims` declared in a Caffe file, through core/checked.hpp: a negative dimension,
/// an overflow or more than max_elements() is an io_error (a file's impossible size, as for .npy)
/// naming `what` ("layer 'conv1' (Convolution): blob 0"), before anything is allocated.
inline std::uint64_t caffe_checked_count(const std::vector<std::int64_t>& dims, const std::string& what) {
    try {
        return checked_element_count(dims, what);
    } catch (const shape_error& e) {
        throw io_error(e.what());
    }
}

inline void caffe_check_file(const std::filesystem::path& file, const std::string& label) {
    std::error_code ec;
    DEEPVIS_CHECK(std::filesystem::exists(file, ec), io_error, label << ": file not found");
    DEEPVIS_CHECK(std::filesystem::is_regular_file(file, ec), io_error, label << ": not a regular file");
    const auto size = std::filesystem::file_size(file, ec);
    DEEPVIS_CHECK(!ec, io_error, label << ": cannot read the file size");
    DEEPVIS_CHECK(size <= static_cast<std::uintmax_t>(INT_MAX), io_error,
                  label << ": the file is larger than 2 GB, protobuf's limit for one message");
}

/// Collects TextFormat's first error with its line and column; warnings (unknown fields,
/// which the parser skips) are dropped: the library never prints.
class caffe_text_errors final : public google::protobuf::io::ErrorCollector {
public:
    void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
        if (m_first.empty())
            m_first = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) + ": " + message;
    }
    void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
    const std::string& first() const { return m_first; }

private:
    std::string m_first;
};

/// Parses a `.prototxt` (protobuf text format). Fields the schema leaves out are skipped.
inline caffe_pb::NetParameter parse_prototxt(const std::filesystem::path& file) {
    const std::string label = "prototxt '" + file.string() + "'";
    caffe_check_file(file, label);
    std::ifstream in(file, std::ios::binary);
    DEEPVIS_CHECK(in.is_open(), io_error, label << ": cannot open the file for reading");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    DEEPVIS_CHECK(!in.bad(), io_error, label << ": read error");
    caffe_pb::NetParameter net;
    caffe_text_errors errors;
    google::protobuf::TextFormat::Parser parser;
    parser.AllowUnknownField(true);
    parser.AllowUnknownExtension(true);
    parser.RecordErrorsTo(&errors);
    DEEPVIS_CHECK(parser.ParseFromString(text, &net), io_error,
                  label << ": not a valid Caffe network description: " << errors.first());
    return net;
}

/// Parses a binary `.caffemodel` (a NetParameter) of up to 2 GB.
inline caffe_pb::NetParameter parse_caffemodel(const std::filesystem::path& file) {
    const std::string label = "caffemodel '" + file.string() + "'";
    caffe_check_file(file, label);
    std::ifstream in(file, std::ios::binary);
    DEEPVIS_CHECK(in.is_open(), io_error, label << ": cannot open the file for reading");
    caffe_pb::NetParameter net;
    {
        google::protobuf::io::IstreamInputStream stream(&in);
        google::protobuf::io::CodedInputStream coded(&stream);
        coded.SetTotalBytesLimit(INT_MAX);
        DEEPVIS_CHECK(net.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage(), io_error,
                      label << ": not a valid Caffe NetParameter protobuf (truncated or corrupt?)");
    }
    DEEPVIS_CHECK(!in.bad(), io_error, label << ": read error");
    DEEPVIS_CHECK(net.layer_size() + net.layers_size() > 0, io_error, label << ": holds no layers (not a caffemodel?)");
    return net;
}

/// The V2 type name of a V1 layer type (Caffe's UpgradeV1LayerType).
inline std::string caffe_v1_type_name(caffe_pb::V1LayerParameter::LayerType type) {
    using V1 = caffe_pb::V1LayerParameter;
    switch (type) {
        case V1::ABSVAL:
            return "AbsVal";
        case V1::ACCURACY:
            return "Accuracy";
        case V1::ARGMAX:
            return "ArgMax";
        case V1::BNLL:
            return "BNLL";
        case V1::CONCAT:
            return "Concat";
        case V1::CONTRASTIVE_LOSS:
            return "ContrastiveLoss";
        case V1::CONVOLUTION:
            return "Convolution";
        case V1::DATA:
            return "Data";
        case V1::DECONVOLUTION:
            return "Deconvolution";
        case V1::DROPOUT:
            return "Dropout";
        case V1::DUMMY_DATA:
            return "DummyData";
        case V1::EUCLIDEAN_LOSS:
            return "EuclideanLoss";
        case V1::ELTWISE:
            return "Eltwise";
        case V1::EXP:
            return "Exp";
        case V1::FLATTEN:
            return "Flatten";
        case V1::HDF5_DATA:
            return "HDF5Data";
        case V1::HDF5_OUTPUT:
            return "HDF5Output";
        case V1::HINGE_LOSS:
            return "HingeLoss";
        case V1::IM2COL:
            return "Im2col";
        case V1::IMAGE_DATA:
            return "ImageData";
        case V1::INFOGAIN_LOSS:
            return "InfogainLoss";
        case V1::INNER_PRODUCT:
            return "InnerProduct";
        case V1::LRN:
            return "LRN";
        case V1::MEMORY_DATA:
            return "MemoryData";
        case V1::MULTINOMIAL_LOGISTIC_LOSS:
            return "MultinomialLogisticLoss";
        case V1::MVN:
            return "MVN";
        case V1::POOLING:
            return "Pooling";
        case V1::POWER:
            return "Power";
        case V1::RELU:
            return "ReLU";
        case V1::SIGMOID:
            return "Sigmoid";
        case V1::SIGMOID_CROSS_ENTROPY_LOSS:
            return "SigmoidCrossEntropyLoss";
        case V1::SILENCE:
            return "Silence";
        case V1::SOFTMAX:
            return "Softmax";
        case V1::SOFTMAX_LOSS:
            return "SoftmaxWithLoss";
        case V1::SPLIT:
            return "Split";
        case V1::SLICE:
            return "Slice";
        case V1::TANH:
            return "TanH";
        case V1::WINDOW_DATA:
            return "WindowData";
        case V1::THRESHOLD:
            return "Threshold";
        default:
            return "NONE";
    }
}

/// A V1 layer as a LayerParameter: the same parameter messages under the V2 field names.
inline caffe_pb::LayerParameter caffe_upgrade_v1(const caffe_pb::V1LayerParameter& v1) {
    caffe_pb::LayerParameter l;
    l.set_name(v1.name());
    l.set_type(caffe_v1_type_name(v1.type()));
    *l.mutable_bottom() = v1.bottom();
    *l.mutable_top() = v1.top();
    *l.mutable_include() = v1.include();
    *l.mutable_exclude() = v1.exclude();
    *l.mutable_blobs() = v1.blobs();
    if (v1.has_concat_param()) *l.mutable_concat_param() = v1.concat_param();
    if (v1.has_convolution_param()) *l.mutable_convolution_param() = v1.convolution_param();
    if (v1.has_dropout_param()) *l.mutable_dropout_param() = v1.dropout_param();
    if (v1.has_eltwise_param()) *l.mutable_eltwise_param() = v1.eltwise_param();
    if (v1.has_inner_product_param()) *l.mutable_inner_product_param() = v1.inner_product_param();
    if (v1.has_lrn_param()) *l.mutable_lrn_param() = v1.lrn_param();
    if (v1.has_pooling_param()) *l.mutable_pooling_param() = v1.pooling_param();
    if (v1.has_power_param()) *l.mutable_power_param() = v1.power_param();
    if (v1.has_relu_param()) *l.mutable_relu_param() = v1.relu_param();
    if (v1.has_softmax_param()) *l.mutable_softmax_param() = v1.softmax_param();
    return l;
}

/// Every layer of a net, V2 `layer { }` blocks and upgraded V1 `layers { }` blocks, in file
/// order (a file holds one kind or the other; Caffe refuses a mix, deepvis reads both).
inline std::vector<caffe_pb::LayerParameter> caffe_layers(const caffe_pb::NetParameter& net) {
    std::vector<caffe_pb::LayerParameter> out(net.layer().begin(), net.layer().end());
    for (const auto& v1 : net.layers()) out.push_back(caffe_upgrade_v1(v1));
    return out;
}

/// Whether a layer runs in Caffe's TEST phase (the deploy phase): NetStateRule by phase only
/// (levels and stages are not modelled; a rule that names only them matches).
inline bool caffe_in_test_phase(const caffe_pb::LayerParameter& l) {
    auto matches = [](const caffe_pb::NetStateRule& r) { return !r.has_phase() || r.phase() == caffe_pb::TEST; };
    if (l.has_phase() && l.phase() == caffe_pb::TRAIN) return false;
    if (l.include_size() > 0) {
        bool any = false;
        for (const auto& r : l.include()) any = any || matches(r);
        if (!any) return false;
    }
    for (const auto& r : l.exclude())
        if (matches(r)) return false;
    return true;
}

/// A blob's declared shape: BlobProto.shape, or the legacy (num, channels, height, width).
inline std::vector<std::int64_t> caffe_blob_dims(const caffe_pb::BlobProto& b) {
    if (b.has_shape()) return {b.shape().dim().begin(), b.shape().dim().end()};
    return {b.num(), b.channels(), b.height(), b.width()};
}

/// A blob's values as a flat float tensor (`data`, or `double_data` rounded to float), after
/// checking that the declared shape holds exactly as many values as are stored.
inline tensor caffe_blob_values(const caffe_pb::BlobProto& b, const std::string& what) {
    const auto dims = caffe_blob_dims(b);
    const std::uint64_t declared = caffe_checked_count(dims, what);
    const bool doubles = b.data_size() == 0 && b.double_data_size() > 0;
    const std::uint64_t stored = doubles ? b.double_data_size() : b.data_size();
    DEEPVIS_CHECK(declared == stored, io_error,
                  what << ": declares shape " << shape_string(dims) << " (" << declared << " values) but holds "
                       << stored << " values");
    tensor t = tensor::from_shape({static_cast<std::size_t>(stored)});
    if (doubles)
        std::copy(b.double_data().begin(), b.double_data().end(), t.begin());
    else
        std::copy(b.data().begin(), b.data().end(), t.begin());
    return t;
}

}  // namespace deepvis::detail
