#include "ledger/proof.h"

#include <capnp/compat/json.h>
#include <capnp/message.h>
#include <kj/exception.h>

#include <cmath>
#include <cstring>
#include <optional>

#include "ledger/checkpoint.h"
#include "ledger/json_escapes.h"
#include "ledger/merkle.h"

namespace caseledger {

namespace {

std::string B64(const std::string& bytes) {
  return EncodeBase64({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

// A JSON string literal.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string ProofArray(const std::vector<std::string>& proof) {
  std::string out = "[";
  for (size_t i = 0; i < proof.size(); ++i) out += (i ? "," : "") + Quote(B64(proof[i]));
  return out + "]";
}

std::optional<Hash256> AsHash(const std::string& bytes) {
  if (bytes.size() != 32) return std::nullopt;
  Hash256 h;
  std::memcpy(h.data(), bytes.data(), 32);
  return h;
}

Result<std::vector<Hash256>> AsHashes(const std::vector<std::string>& proof) {
  std::vector<Hash256> out;
  for (size_t i = 0; i < proof.size(); ++i) {
    auto h = AsHash(proof[i]);
    if (!h) return Status::InvalidArgument("proof[" + std::to_string(i) + "] is not 32 bytes");
    out.push_back(*h);
  }
  return out;
}

class Fields {
 public:
  explicit Fields(capnp::JsonValue::Reader obj) : obj_(obj) {}

  std::optional<capnp::JsonValue::Reader> Find(const char* name) const {
    for (auto f : obj_.getObject()) {
      if (f.getName() == name) return f.getValue();
    }
    return std::nullopt;
  }
  Status Uint(const char* name, uint64_t* out) const {
    auto v = Find(name);
    if (!v || !v->isNumber()) return Status::InvalidArgument(std::string(name) + ": expected a number");
    double d = v->getNumber();
    if (!(d >= 0 && d <= 9007199254740992.0) || std::floor(d) != d) {
      return Status::InvalidArgument(std::string(name) + ": expected a non-negative integer");
    }
    *out = static_cast<uint64_t>(d);
    return Status::OK();
  }
  Status Bytes(const char* name, std::string* out) const {
    auto v = Find(name);
    if (!v || !v->isString()) return Status::InvalidArgument(std::string(name) + ": expected a base64 string");
    auto decoded = DecodeBase64(v->getString().cStr());
    if (!decoded.ok()) return decoded.status().WithContext(name);
    *out = std::move(decoded).value();
    return Status::OK();
  }
  Status Proof(std::vector<std::string>* out) const {
    auto v = Find("proof");
    if (!v || v->isNull()) return Status::OK();
    if (!v->isArray()) return Status::InvalidArgument("proof: expected an array");
    size_t i = 0;
    for (auto item : v->getArray()) {
      const std::string where = "proof[" + std::to_string(i++) + "]";
      if (!item.isString()) return Status::InvalidArgument(where + ": expected a base64 string");
      auto decoded = DecodeBase64(item.getString().cStr());
      if (!decoded.ok()) return decoded.status().WithContext(where);
      out->push_back(std::move(decoded).value());
    }
    return Status::OK();
  }
  Status Checkpoint(std::string* out) const {
    auto v = Find("checkpoint");
    if (!v || v->isNull()) return Status::OK();
    if (!v->isString()) return Status::InvalidArgument("checkpoint: expected a string");
    *out = v->getString().cStr();
    return Status::OK();
  }

 private:
  capnp::JsonValue::Reader obj_;
};

}  // namespace

std::string FormatProof(const InclusionProofDoc& d) {
  std::string out = "{\"leafIdx\":" + std::to_string(d.leaf_idx) +
                    ",\"treeSize\":" + std::to_string(d.tree_size) + ",\"root\":" +
                    Quote(B64(d.root)) + ",\"leafHash\":" + Quote(B64(d.leaf_hash)) +
                    ",\"proof\":" + ProofArray(d.proof);
  if (!d.checkpoint.empty()) out += ",\"checkpoint\":" + Quote(d.checkpoint);
  return out + "}\n";
}

std::string FormatProof(const ConsistencyProofDoc& d) {
  std::string out = "{\"size1\":" + std::to_string(d.size1) + ",\"size2\":" +
                    std::to_string(d.size2) + ",\"root1\":" + Quote(B64(d.root1)) +
                    ",\"root2\":" + Quote(B64(d.root2)) + ",\"proof\":" + ProofArray(d.proof);
  if (!d.checkpoint.empty()) out += ",\"checkpoint\":" + Quote(d.checkpoint);
  return out + "}\n";
}

Result<ProofDoc> ParseProof(std::string_view json) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::JsonValue>();
  capnp::JsonCodec codec;
  const std::string text = detail::FixJsonEscapes(json);
  KJ_IF_MAYBE(e, kj::runCatchingExceptions(
                     [&] { codec.decodeRaw(kj::ArrayPtr<const char>(text.data(), text.size()), root); })) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + e->getDescription().cStr());
  }
  if (!root.asReader().isObject()) return Status::InvalidArgument("a proof is a JSON object");
  Fields f(root.asReader());
  if (f.Find("leafIdx")) {
    InclusionProofDoc d;
    CL_RETURN_IF_ERROR(f.Uint("leafIdx", &d.leaf_idx));
    CL_RETURN_IF_ERROR(f.Uint("treeSize", &d.tree_size));
    CL_RETURN_IF_ERROR(f.Bytes("root", &d.root));
    CL_RETURN_IF_ERROR(f.Bytes("leafHash", &d.leaf_hash));
    CL_RETURN_IF_ERROR(f.Proof(&d.proof));
    CL_RETURN_IF_ERROR(f.Checkpoint(&d.checkpoint));
    return ProofDoc(std::move(d));
  }
  if (f.Find("size1")) {
    ConsistencyProofDoc d;
    CL_RETURN_IF_ERROR(f.Uint("size1", &d.size1));
    CL_RETURN_IF_ERROR(f.Uint("size2", &d.size2));
    CL_RETURN_IF_ERROR(f.Bytes("root1", &d.root1));
    CL_RETURN_IF_ERROR(f.Bytes("root2", &d.root2));
    CL_RETURN_IF_ERROR(f.Proof(&d.proof));
    CL_RETURN_IF_ERROR(f.Checkpoint(&d.checkpoint));
    return ProofDoc(std::move(d));
  }
  return Status::InvalidArgument("not a proof: expected leafIdx (inclusion) or size1 (consistency)");
}

Status VerifyProof(const InclusionProofDoc& d) {
  auto root = AsHash(d.root);
  if (!root) return Status::InvalidArgument("root is not 32 bytes");
  auto leaf = AsHash(d.leaf_hash);
  if (!leaf) return Status::InvalidArgument("leafHash is not 32 bytes");
  auto proof = AsHashes(d.proof);
  if (!proof.ok()) return proof.status();
  return VerifyInclusion(d.leaf_idx, d.tree_size, *leaf, *proof, *root);
}

Status VerifyProof(const ConsistencyProofDoc& d) {
  if (d.size1 == d.size2 && d.size1 != 0 && d.proof.empty()) {
    // RFC 9162 2.1.4.2 step 1: nothing is hashed; the roots must simply be the same.
    return d.root1 == d.root2 ? Status::OK()
                              : Status::Corruption("equal sizes but different roots");
  }
  auto root1 = AsHash(d.root1);
  if (!root1) return Status::InvalidArgument("root1 is not 32 bytes");
  auto root2 = AsHash(d.root2);
  if (!root2) return Status::InvalidArgument("root2 is not 32 bytes");
  auto proof = AsHashes(d.proof);
  if (!proof.ok()) return proof.status();
  return VerifyConsistency(d.size1, d.size2, *proof, *root1, *root2);
}

}  // namespace caseledger
