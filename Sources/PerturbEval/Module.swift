// PerturbEval: see the module's files.
