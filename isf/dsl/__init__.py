"""The ways in: legacy file readers/writers, the fluent builder, JSON/YAML serialisation."""
