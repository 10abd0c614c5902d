// PerturbNN: see the module's files.
