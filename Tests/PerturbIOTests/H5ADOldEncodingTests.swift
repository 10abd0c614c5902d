import Foundation
import PerturbTestSupport
import XCTest

@testable import PerturbIO

/// anndata 0.7 wrote categoricals as a codes dataset whose `categories` attribute is an object reference to
/// `__categories/<column>` (with `ordered` on that dataset); h5py writes such a file here byte for byte that way.
final class H5ADOldEncodingTests: XCTestCase {
    func testAnndata07CategoricalReferences() throws {
        let url = try temporaryDirectory("perturbio-07").appendingPathComponent("perturbio-07.h5ad")
        let script = """
            import h5py, numpy as np, sys
            s = h5py.string_dtype()
            with h5py.File(sys.argv[1], 'w') as f:
                f.create_dataset('X', data=np.arange(6, dtype=np.float32).reshape(3, 2))
                for name, index in (('obs', ['a', 'b', 'c']), ('var', ['g1', 'g2'])):
                    g = f.create_group(name)
                    g.attrs['_index'] = 'index'
                    g.attrs['encoding-type'] = 'dataframe'
                    g.attrs['encoding-version'] = '0.1.0'
                    g.create_dataset('index', data=np.array(index, dtype=object), dtype=s)
                    g.attrs['column-order'] = np.array(['cell_type'] if name == 'obs' else [], dtype=object if name == 'obs' else float)
                obs = f['obs']
                cats = obs.create_dataset('__categories/cell_type', data=np.array(['PC3', 'A375'], dtype=object), dtype=s)
                cats.attrs['ordered'] = True
                codes = obs.create_dataset('cell_type', data=np.array([1, -1, 0], dtype=np.int8))
                codes.attrs['categories'] = cats.ref
            """
        _ = try Python.run(script, arguments: [url.path])
        let reader = try H5ADReader(url: url)
        XCTAssertEqual(
            reader.obs.column("cell_type"),
            .categorical(codes: [1, -1, 0], categories: ["PC3", "A375"], ordered: true))
        XCTAssertEqual(reader.obs.column("cell_type")?.stringValues(), ["A375", "", "PC3"])
        XCTAssertEqual(try reader.readDense(layer: nil).values, [0, 1, 2, 3, 4, 5])
    }
}
