"""Pipeline components: small objects that read some layers of a Document and add one."""
