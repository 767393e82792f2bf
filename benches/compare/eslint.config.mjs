// Flat config for the comparison: ESLint's own parser (espree), ES modules, and exactly one rule.
export default [
  {
    files: ["**/*.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module" },
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: { "no-await-in-loop": "error" },
  },
];
