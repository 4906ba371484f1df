# Validation annotations read by ledger/event_validation.cc through reflection.
# Persisted schema file: annotation ids never change.
@0xdb23541726a929ba;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("caseledger::schema");

annotation required @0xf44a3642468f9a5f (field) :Void;
# The field must be set: non-empty Text, Data or List, or a non-null struct. Validation refuses an
# event whose field is empty.

annotation optional @0xeb0114b25fc0837e (field) :Void;
# An enum field that may stay `unspecified`. Every other enum field (and every enum in a list) must
# be set to a value other than 0, because Cap'n Proto's JSON codec silently turns a missing enum
# into 0.
