// PerturbData: see the module's files.
