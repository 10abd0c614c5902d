// PerturbModel: see the module's files.
