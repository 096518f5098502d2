// A grant application to Landdistriktspuljen, guided step by step: the 25 % rule worked
// out live for cash, for hours and for a mix, above and below the DKK 100,000 cap; no
// submission without the council's endorsement; the decision, validity and an overdue
// report; the printable application; and axe on the screen.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkedContext, relayAndBrowser, violations } from "./support.mjs";

const env = relayAndBrowser();

test("an application checks the 25 % rule live and cannot be submitted unendorsed", async () => {
  const context = await checkedContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByLabel("Dit navn").fill("Jens Formand");
  await page.getByLabel("Lokalrådets navn").fill("Filskov Lokalråd");
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  await page.getByRole("link", { name: "Filskov Lokalråd" }).click();
  await page.getByLabel("Nyt mål for Natur-, kultur- og fritidstilbud").fill("Flere steder at lege");
  await page.getByRole("region", { name: "Natur-, kultur- og fritidstilbud" }).getByRole("button", { name: "Tilføj mål" }).click();

  await page.getByLabel("Ny ansøgning – projektets titel").fill("Ny legeplads ved hallen");
  await page.getByRole("button", { name: "Start ansøgningen" }).click();
  await page.getByRole("heading", { level: 2, name: "Ny legeplads ved hallen" }).waitFor();
  await page.getByLabel("Beskrivelse af projektet").fill("Legeredskaber og faldunderlag ved hallen.");
  await page.getByLabel("Beskrivelse af projektet").blur();
  await page.getByLabel("Natur-, kultur- og fritidstilbud").check();
  await page.getByLabel("Flere steder at lege").check();

  const budget = page.getByRole("region", { name: "2. Budget" });
  for (const [text, amount, quote] of [
    ["Legeredskaber", "60.000", "Tilbud fra legepladsfirma, 3.5."],
    ["Faldunderlag", "20000", "Tilbud fra anlægsgartner, 7.5."],
  ]) {
    await budget.getByLabel("Udgift").fill(text);
    await budget.getByLabel("Beløb (kr.)").fill(amount);
    await budget.getByLabel("Tilbud (fra hvem, dato)").fill(quote);
    await budget.getByRole("button", { name: "Tilføj linje" }).click();
    await budget.getByRole("cell", { name: text, exact: true }).waitFor();
  }
  await budget.getByRole("row", { name: /Budget i alt/ }).getByText("80.000 kr.").waitFor();

  const own = page.getByRole("region", { name: "3. Egenfinansiering" });
  const rule = own.getByRole("status");
  await rule.getByText("25 % af det kræver mindst 20.000 kr. i egenfinansiering.").waitFor();
  await rule.getByText("Der mangler 20.000 kr. i egenfinansiering.").waitFor();

  // Cash alone, typed key by key (each keystroke is saved; the field keeps its focus).
  await own.getByLabel("Kontant egenfinansiering (kr.)").pressSequentially("20000");
  assert.equal(await own.getByLabel("Kontant egenfinansiering (kr.)").inputValue(), "20000");
  await rule.getByText("I har 20.000 kr. kontant + 0 timer × 100 kr. = 0 kr.; i alt 20.000 kr.").waitFor();
  await rule.getByText("Kravet om 25 % egenfinansiering er opfyldt.").waitFor();
  // Hours alone: 199 hours are DKK 100 short, 200 are enough.
  await own.getByLabel("Kontant egenfinansiering (kr.)").fill("");
  await own.getByLabel("Frivillige timer").fill("199");
  await rule.getByText("Der mangler 100 kr. i egenfinansiering.").waitFor();
  await own.getByLabel("Frivillige timer").fill("200");
  await rule.getByText("I har 0 kr. kontant + 200 timer × 100 kr. = 20.000 kr.; i alt 20.000 kr.").waitFor();
  await rule.getByText("Kravet om 25 % egenfinansiering er opfyldt.").waitFor();
  // A mix.
  await own.getByLabel("Kontant egenfinansiering (kr.)").fill("5000");
  await own.getByLabel("Frivillige timer").fill("150");
  await rule.getByText("I har 5.000 kr. kontant + 150 timer × 100 kr. = 15.000 kr.; i alt 20.000 kr.").waitFor();
  await rule.getByText("Kravet om 25 % egenfinansiering er opfyldt.").waitFor();
  // Above the cap only the first DKK 100,000 count: 130,000 needs 25,000.
  await budget.getByLabel("Udgift").fill("Bænke");
  await budget.getByLabel("Beløb (kr.)").fill("50000");
  await budget.getByRole("button", { name: "Tilføj linje" }).click();
  await rule.getByText("Budgettet er på 130.000 kr.; reglen gælder de første 100.000 kr., her 100.000 kr.").waitFor();
  await rule.getByText("Der mangler 5.000 kr. i egenfinansiering.").waitFor();
  await own.getByLabel("Kontant egenfinansiering (kr.)").fill("10000");
  await rule.getByText("Kravet om 25 % egenfinansiering er opfyldt.").waitFor();

  await page.getByLabel("Ansøgningsfrist").selectOption({ index: 1 });

  // Not without the council's endorsement.
  const submit = page.getByRole("button", { name: "Markér som indsendt" });
  assert.equal(await submit.isDisabled(), true);
  await page.getByText("Lokalrådet skal påtegne ansøgningen, før den kan indsendes.").waitFor();
  assert.equal(await page.getByText("Kladde", { exact: true }).count(), 1);
  assert.deepEqual(await violations(page), [], "the application screen");

  await page.getByLabel("Påtegnet af (navn, for lokalrådet)").fill("Jens Formand");
  await page.getByLabel("Dato for påtegningen").fill("2024-01-02");
  await page.getByRole("button", { name: "Registrér påtegningen" }).click();
  await page.getByText("Påtegnet af Jens Formand for lokalrådet den 2.1.2024.").waitFor();
  await page.getByText("Ansøgningen er klar til at blive indsendt.").waitFor();
  await submit.click();
  await page.getByText("Indsendt", { exact: true }).waitFor();

  // The decision, the grant's two years, and a report three months after the end: late.
  await page.getByLabel("Bevilget beløb (kr.)").fill("100000");
  await page.getByLabel("Dato for afgørelsen").fill("2024-01-10");
  await page.getByRole("button", { name: "Registrér afgørelsen" }).click();
  await page.getByText("Bevillingen gælder til 10.1.2026.").waitFor();
  await page.getByLabel("Projektets afslutning").fill("2024-06-30");
  await page.getByLabel("Projektets afslutning").blur();
  const report = page.getByText("Evaluering, regnskab og dokumentation skal sendes senest 30.9.2024.");
  await report.waitFor();
  await page.locator(".overdue").getByText("Rapporten er forsinket").waitFor();

  // Opened straight from its address, the application shows as it was left.
  await page.reload();
  await page.getByRole("heading", { level: 2, name: "Ny legeplads ved hallen" }).waitFor();
  await page.locator(".overdue").getByText("Rapporten er forsinket").waitFor();
  await page.getByRole("link", { name: "Udskriv ansøgningen" }).click();
  await page.getByRole("heading", { name: "Ansøgning til Landdistriktspuljen: Ny legeplads ved hallen" }).waitFor();
  await page.getByRole("cell", { name: "Tilbud fra legepladsfirma, 3.5." }).waitFor();
  await page.getByText("Ansøger: Filskov Lokalråd").waitFor();
  assert.deepEqual(await violations(page), [], "the printable application");

  // On the council's screen the application is listed, with its report overdue.
  await page.getByRole("link", { name: "Tilbage til ansøgningen" }).click();
  await page.getByRole("link", { name: "Til forsiden" }).click();
  await page.getByRole("link", { name: "Filskov Lokalråd" }).click();
  await page.getByRole("region", { name: "Ansøgninger til Landdistriktspuljen" }).getByText("Rapporten er forsinket").waitFor();
  await context.close();
});
