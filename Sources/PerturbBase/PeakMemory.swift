import Foundation

/// The process's peak resident set size (`getrusage` maximum RSS), for progress and run records.
public enum PeakMemory {
    /// Peak RSS so far, in MiB.
    public static var residentMB: Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return .nan }
        return Double(usage.ru_maxrss) / 1024  // Linux reports KiB
    }
}

