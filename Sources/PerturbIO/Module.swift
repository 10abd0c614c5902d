// PerturbIO: see the module's files.
