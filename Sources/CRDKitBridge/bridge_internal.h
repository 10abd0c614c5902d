#pragma once
// Shared pieces of the bridge implementation (not part of the C API).
#include <GraphMol/ROMol.h>

#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "rdkit_bridge.h"

struct PBMolecule {
    std::unique_ptr<RDKit::ROMol> mol;
};

namespace pbbridge {

/// Copies `text` into the caller's message buffer, truncating and NUL-terminating.
inline void writeMessage(char *message, size_t capacity, const std::string &text) {
    if (message == nullptr || capacity == 0) return;
    size_t n = text.size() < capacity - 1 ? text.size() : capacity - 1;
    std::memcpy(message, text.data(), n);
    message[n] = '\0';
}

/// A malloc'd copy of `text` for the Swift side (released by pb_string_free).
char *duplicate(const std::string &text);

/// Thrown inside the bridge to return a specific status with a reason.
struct BridgeError : std::exception {
    PBStatus status;
    std::string reason;
    BridgeError(PBStatus status, std::string reason) : status(status), reason(std::move(reason)) {}
    const char *what() const noexcept override { return reason.c_str(); }
};

/// Runs `body`, translating every exception into a status and a message. `fallback` is the status for exceptions
/// that are not BridgeError (RDKit's own).
template <typename Body>
PBStatus guarded(char *message, size_t capacity, PBStatus fallback, Body &&body) noexcept {
    try {
        body();
        writeMessage(message, capacity, "");
        return PB_OK;
    } catch (const BridgeError &e) {
        writeMessage(message, capacity, e.reason);
        return e.status;
    } catch (const std::exception &e) {
        writeMessage(message, capacity, e.what());
        return fallback;
    } catch (...) {
        writeMessage(message, capacity, "unknown C++ exception");
        return fallback;
    }
}

/// Throws PB_ERR_ARGUMENT when `pointer` is null.
inline void require(const void *pointer, const char *name) {
    if (pointer == nullptr) throw BridgeError(PB_ERR_ARGUMENT, std::string(name) + " is null");
}

}  // namespace pbbridge
