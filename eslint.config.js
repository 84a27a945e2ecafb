// Lint with typescript-eslint; format with dprint through @effect/eslint-plugin (the Effect repo's setup).
import effect from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["dist/**", "coverage/**", "node_modules/**", "src/models/**", "docs/api/**"] },
  ...tseslint.configs.recommended,
  ...effect.configs.dprint,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }]
    }
  },
  {
    // Each module by its own path: an index loads its whole package on start (effect's every
    // module, @effect/platform-node's HTTP stack), which costs the command line its start-up time
    // and every process tens of megabytes of resident memory. Types may come from anywhere.
    files: ["src/**/*.ts", "scripts/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [
          {
            name: "effect",
            allowTypeImports: true,
            message: "Import the module itself: effect/Effect, effect/Stream, …"
          },
          {
            name: "@effect/platform-node",
            allowTypeImports: true,
            message: "Import the module itself: @effect/platform-node/NodeSocket, …"
          }
        ]
      }]
    }
  }
)
