// PerturbTensor: see the module's files.
