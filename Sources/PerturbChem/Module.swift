// PerturbChem: see the module's files.
