import Foundation
import PerturbBase

#if canImport(Glibc)
    import Glibc
#endif

/// How one case ended. A reader passes when it returns (`ok`) or throws a `UserInputError` with a message (`error`,
/// exit 1, as the CLI reports it); the HDF5 guard's exit 1 counts as an error too, but is told apart
/// (`guardedFault`, `guardedStall`) because it means libhdf5 itself failed on the input.
enum Outcome: Hashable {
    case ok, error, guardedFault, guardedStall
    /// Ended by a signal (a trap, a fault, or the kernel killing it for memory).
    case crash(signal: Int32)
    /// Still running at the timeout (killed).
    case hang
    /// Threw an error that is not a `UserInputError` (the CLI's exit 2).
    case internalError
    /// Threw a `UserInputError` whose message is empty.
    case emptyMessage
    /// Any other exit status.
    case exitStatus(Int32)

    var isFailure: Bool {
        switch self {
        case .ok, .error, .guardedFault, .guardedStall: return false
        default: return true
        }
    }

    var name: String {
        switch self {
        case .ok: return "ok"
        case .error: return "error"
        case .guardedFault: return "error (HDF5 guard: fault in libhdf5)"
        case .guardedStall: return "error (HDF5 guard: libhdf5 stalled)"
        case .crash(let signal): return "crash (signal \(signal), \(String(cString: strsignal(signal))))"
        case .hang: return "hang (killed at the timeout)"
        case .internalError: return "internal error (exit 2)"
        case .emptyMessage: return "error without a message"
        case .exitStatus(let status): return "exit \(status)"
        }
    }
}

/// What one forked case produced.
struct CaseResult {
    let outcome: Outcome
    let seconds: Double
    /// The child's stderr: the error message (or a crash report).
    let stderr: String
}

/// Runs a reader in a forked child, so a crash or hang ends only the child: the child gets an address-space limit
/// (`RLIMIT_AS`, unless `memoryBytes` is 0), reports its error on stderr like the CLI (`error: …`) and exits 0, 1 (a
/// `UserInputError` with a message), 2 (another error) or 3 (an empty message); the parent kills it at the timeout.
enum ForkedCase {
    static func run(timeout: Double, memoryBytes: Int, _ body: () throws -> Void) -> CaseResult {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { fatalError("perturbridge-fuzz: pipe failed: \(String(cString: strerror(errno)))") }
        fflush(stdout)
        fflush(stderr)
        let started = monotonicSeconds()
        let pid = fork()
        if pid == 0 {
            close(fds[0])
            child(errorPipe: fds[1], memoryBytes: memoryBytes, body)
        }
        close(fds[1])
        guard pid > 0 else { fatalError("perturbridge-fuzz: fork failed: \(String(cString: strerror(errno)))") }
        let (output, timedOut) = collect(fds[0], until: started + timeout)
        close(fds[0])
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let seconds = monotonicSeconds() - started
        let text = String(decoding: output, as: UTF8.self)
        let outcome = timedOut ? .hang : classify(status: status, stderr: text)
        return CaseResult(outcome: outcome, seconds: seconds, stderr: text)
    }

    private static func child(errorPipe: Int32, memoryBytes: Int, _ body: () throws -> Void) -> Never {
        if memoryBytes > 0 {  // 0: no limit (AddressSanitizer reserves terabytes of shadow address space)
            var limit = rlimit(rlim_cur: rlim_t(memoryBytes), rlim_max: rlim_t(memoryBytes))
            setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
        }
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
        dup2(errorPipe, STDERR_FILENO)
        let null = open("/dev/null", O_WRONLY)
        if null >= 0 { dup2(null, STDOUT_FILENO) }
        func report(_ text: String, _ code: Int32) -> Never {
            text.utf8CString.withUnsafeBufferPointer { _ = write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
            _exit(code)
        }
        do {
            try body()
            _exit(0)
        } catch let error as UserInputError {
            let message = error.description
            if message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { report("error: (empty message)\n", 3) }
            report("error: \(message)\n", 1)
        } catch {
            report("internal error: \(error)\n", 2)
        }
    }

    /// Reads the child's stderr until it closes (the child exited) or `deadline` passes.
    private static func collect(_ fd: Int32, until deadline: Double) -> (output: [UInt8], timedOut: Bool) {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 { return (output, true) }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining * 1000 + 1, 60_000)))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return (output, false) }
            if output.count < 1 << 16 { output += chunk[0..<count] }
        }
    }

    private static func classify(status: Int32, stderr: String) -> Outcome {
        let signal = status & 0x7f
        if signal != 0 { return .crash(signal: signal) }
        switch (status >> 8) & 0xff {
        case 0: return .ok
        case 1:
            if stderr.contains("libhdf5 failed decoding") { return .guardedFault }
            if stderr.contains("libhdf5 made no progress") { return .guardedStall }
            return stderr.hasPrefix("error: ") ? .error : .emptyMessage
        case 2: return .internalError
        case 3: return .emptyMessage
        case let other: return .exitStatus(other)
        }
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}
