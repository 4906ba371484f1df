#include "projections/case_diff.h"

#include <capnp/dynamic.h>
#include <capnp/serialize.h>
#include <kj/string.h>

#include <cstring>
#include <map>
#include <tuple>

#include "ledger/time_format.h"
#include "schema/case_view.capnp.h"

namespace caseledger::projections {

namespace {

// The view's canonical bytes, readable again (Serialize gives one aligned-less segment).
class ViewMessage {
 public:
  explicit ViewMessage(const CaseViewFold& fold) {
    const std::string bytes = fold.Serialize();
    words_ = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(words_.begin(), bytes.data(), bytes.size());
    segments_[0] = words_.asPtr();
    capnp::ReaderOptions options;
    options.traversalLimitInWords = uint64_t{1} << 30;
    reader_.emplace(kj::arrayPtr(segments_, 1), options);
  }
  capnp::DynamicStruct::Reader root() {
    return reader_->getRoot<schema::CaseView>();
  }

 private:
  kj::Array<capnp::word> words_;
  kj::ArrayPtr<const capnp::word> segments_[1];
  std::optional<capnp::SegmentArrayMessageReader> reader_;
};

bool IsTimeField(std::string_view name) {
  return name.size() > 2 && name.substr(name.size() - 2) == "At";
}

std::string Text(const capnp::DynamicValue::Reader& v, std::string_view field) {
  if (v.getType() == capnp::DynamicValue::INT && IsTimeField(field)) {
    const int64_t micros = v.as<int64_t>();
    return micros == 0 ? "-" : FormatRfc3339(micros);
  }
  if (v.getType() == capnp::DynamicValue::TEXT) {
    auto t = v.as<capnp::Text>();
    return t.size() == 0 ? "-" : std::string(t.cStr());
  }
  return kj::str(v).cStr();
}

void DiffStruct(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b,
                const std::string& prefix, std::vector<ViewChange>& out);

void DiffValue(const capnp::DynamicValue::Reader& a, const capnp::DynamicValue::Reader& b,
               const std::string& path, std::string_view field, std::vector<ViewChange>& out) {
  switch (a.getType()) {
    case capnp::DynamicValue::STRUCT:
      DiffStruct(a.as<capnp::DynamicStruct>(), b.as<capnp::DynamicStruct>(), path, out);
      return;
    case capnp::DynamicValue::LIST: {
      auto la = a.as<capnp::DynamicList>();
      auto lb = b.as<capnp::DynamicList>();
      if (la.size() != lb.size()) {
        out.push_back({path, std::to_string(la.size()) + " entries",
                       std::to_string(lb.size()) + " entries"});
        return;
      }
      for (uint32_t i = 0; i < la.size(); ++i) {
        DiffValue(la[i], lb[i], path + "[" + std::to_string(i) + "]", field, out);
      }
      return;
    }
    default: {
      std::string before = Text(a, field), after = Text(b, field);
      if (before != after) out.push_back({path, std::move(before), std::move(after)});
    }
  }
}

void DiffStruct(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b,
                const std::string& prefix, std::vector<ViewChange>& out) {
  for (auto field : a.getSchema().getFields()) {
    const std::string name = field.getProto().getName().cStr();
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    const bool in_a = a.has(field), in_b = b.has(field);
    if (!in_a && !in_b) continue;
    if (in_a != in_b && field.getType().isStruct()) {
      out.push_back({path, in_a ? "set" : "-", in_b ? "set" : "-"});
      continue;
    }
    DiffValue(a.get(field), b.get(field), path, name, out);
  }
}

using Key = std::tuple<std::string, std::string, std::string>;

Key KeyOf(const compliance::Obligation& o) {
  return {o.rule_id, o.limit_name, o.trigger_event_id};
}

std::string TimeOrDash(const std::optional<int64_t>& micros) {
  return micros ? FormatRfc3339(*micros) : "-";
}

}  // namespace

std::vector<ViewChange> DiffViews(const CaseViewFold& a, const CaseViewFold& b) {
  ViewMessage ma(a), mb(b);
  std::vector<ViewChange> out;
  DiffStruct(ma.root(), mb.root(), "", out);
  return out;
}

std::vector<ObligationChange> DiffObligations(const CaseState& a, int64_t a_as_of,
                                              const CaseState& b, int64_t b_as_of) {
  std::map<Key, compliance::Obligation> before, after;
  for (auto& o : a.compliance.Obligations()) before.emplace(KeyOf(o), std::move(o));
  for (auto& o : b.compliance.Obligations()) after.emplace(KeyOf(o), std::move(o));
  std::vector<ObligationChange> out;
  auto fill = [](ObligationChange& c, const compliance::Obligation& o) {
    c.rule_id = o.rule_id;
    c.limit_name = o.limit_name;
    c.trigger_event_id = o.trigger_event_id;
    c.trigger_type = o.trigger_type;
  };
  for (const auto& [key, o] : before) {
    auto it = after.find(key);
    ObligationChange c;
    fill(c, o);
    c.status_before = o.StatusAsOf(a_as_of);
    c.due_before = TimeOrDash(o.due_at);
    c.met_before = TimeOrDash(o.satisfied_at);
    if (it == after.end()) {
      c.kind = ObligationChange::Kind::kWent;
      out.push_back(std::move(c));
      continue;
    }
    const auto& n = it->second;
    c.status_after = n.StatusAsOf(b_as_of);
    c.due_after = TimeOrDash(n.due_at);
    c.met_after = TimeOrDash(n.satisfied_at);
    if (c.status_before != c.status_after || c.due_before != c.due_after ||
        c.met_before != c.met_after) {
      out.push_back(std::move(c));
    }
  }
  for (const auto& [key, o] : after) {
    if (before.count(key)) continue;
    ObligationChange c;
    fill(c, o);
    c.kind = ObligationChange::Kind::kArose;
    c.status_after = o.StatusAsOf(b_as_of);
    c.due_after = TimeOrDash(o.due_at);
    c.met_after = TimeOrDash(o.satisfied_at);
    out.push_back(std::move(c));
  }
  return out;
}

std::string_view ObligationChangeKindName(ObligationChange::Kind kind) {
  switch (kind) {
    case ObligationChange::Kind::kArose: return "arose";
    case ObligationChange::Kind::kWent: return "went";
    case ObligationChange::Kind::kChanged: return "changed";
  }
  return "changed";
}

}  // namespace caseledger::projections
