import CBLAS
import CKernels
import Foundation

/// Which OpenBLAS kernels this process runs. OpenBLAS picks them by CPU model when it loads; on a model newer than the
/// library (Debian 12's 0.3.21 on Intel Emerald Rapids, model 207) it falls back to its generic "Prescott" kernels,
/// which run sgemm about 5× slower than the AVX-512 ones the CPU supports. `OPENBLAS_CORETYPE` overrides the choice,
/// but only before the library loads, hence `relaunchIfGeneric`.
public enum BLASCore {
    /// The kernels OpenBLAS runs in this process ("Prescott", "SkylakeX", "Haswell", "Zen", ...).
    public static var name: String { String(cString: openblas_get_corename()) }

    /// The widest vector instruction set of this CPU: 2 for AVX-512, 1 for AVX2 with FMA, 0 for anything else.
    public static var cpuVectorLevel: Int { Int(pb_cpu_vector_level()) }

    /// The kernels to force when OpenBLAS fell back to its generic ones on a CPU with AVX-512 ("SkylakeX") or AVX2
    /// with FMA ("Haswell"); nil when its own choice stands.
    public static var recommended: String? {
        guard name.lowercased() == "prescott" else { return nil }
        switch cpuVectorLevel {
        case 2: return "SkylakeX"
        case 1: return "Haswell"
        default: return nil
        }
    }

    /// Re-executes the running program (same process id, arguments and environment) with `OPENBLAS_CORETYPE` set to
    /// `recommended`; returns at once when OpenBLAS's choice stands or the user set `OPENBLAS_CORETYPE` (which also
    /// keeps the relaunched program from relaunching). Call it first thing in `main`, before any thread starts.
    public static func relaunchIfGeneric() {
        #if os(Linux)
            guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, let core = recommended else {
                return
            }
            setenv("OPENBLAS_CORETYPE", core, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // The exec failed: go on with the generic kernels.
            unsetenv("OPENBLAS_CORETYPE")
        #endif
    }
}
