import Foundation
import PerturbIO

/// Edits of a read GCT used to build test variants of the real fixture.
struct EditableGCT {
    var gct: GCTData

    /// Sets every treated well's dose to missing so that all doses of a compound pool into one condition.
    mutating func dropDose() {
        let n = gct.colMeta.count
        let types = gct.colMeta.column("pert_type")!.stringValues()
        gct.colMeta.set("pert_dose", .strings(Array(repeating: "-666", count: n)))
        gct.colMeta.set("pert_idose", .strings(types.map { _ in "-666" }))
    }

    /// Replaces the dose unit of the `well`-th treated well.
    mutating func setDoseUnit(well: Int, to unit: String) {
        let types = gct.colMeta.column("pert_type")!.stringValues()
        var units = gct.colMeta.column("pert_dose_unit")!.stringValues()
        let treated = types.indices.filter { types[$0] == "trt_cp" }
        units[treated[well]] = unit
        gct.colMeta.set("pert_dose_unit", .strings(units))
    }
}

enum PerturbIOHelpers {
    static func readGCT(_ url: URL) throws -> EditableGCT { EditableGCT(gct: try GCTReader.read(url)) }
}
